from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from dangol.webanalytics.models import Site
from dangol.webanalytics.services import site_create
from dangol.webanalytics.tests.conftest import pageview, send

pytestmark = pytest.mark.django_db


def test_site_add(store):
    out = io.StringIO()
    call_command(
        "webanalytics",
        "site",
        "add",
        "--key",
        "blog",
        "--origin",
        "https://blog.example.com/",
        "--origin",
        "http://localhost:8000",
        stdout=out,
    )
    assert out.getvalue() == "site blog added\n"
    site = Site.objects.get()
    assert (site.key, site.origins, site.search_param) == (
        "blog",
        ["https://blog.example.com", "http://localhost:8000"],
        "q",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--key", "bad key!"], "The key must be 1 to 40 letters, digits, - or _"),
        (["--key", "ok", "--origin", "shop.example.com"], "Not an origin"),
        (["--key", "ok", "--origin", "https://a.example/path"], "Not an origin"),
    ],
)
def test_site_add_refuses_bad_input(store, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("webanalytics", "site", "add", *args)
    assert Site.objects.count() == 0


def test_a_duplicate_key_is_refused(store):
    site_create(key="shop")
    with pytest.raises(CommandError, match="A site with the key shop exists"):
        call_command("webanalytics", "site", "add", "--key", "shop")


def test_ingest_once(site):
    send([pageview("/a"), pageview("/b")])
    out = io.StringIO()
    call_command("webanalytics", "ingest", "--once", stdout=out)
    # The events are from T0, long ago: the visit has ended by now.
    assert out.getvalue().startswith("2 events from 1 files, 1 new visits, 1 visits ended, 0 ")
