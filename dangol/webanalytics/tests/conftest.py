from __future__ import annotations

import datetime as dt
import json

import pytest

from dangol.webanalytics import services
from dangol.webanalytics.reports._base import store_path
from dangol.webanalytics.selectors import site_cache_clear
from dangol.webanalytics.tests.store import sample_events, store_write

CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
T0 = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(settings, tmp_path):
    """Give the test its own data folder (spool and DuckDB file)."""
    settings.DATA_DIR = tmp_path
    site_cache_clear()
    yield tmp_path
    site_cache_clear()


@pytest.fixture
def site(db, store):
    return services.site_create(key="shop", name="Shop", allowed_origins="https://shop.example.com")


def send(events, *, now=T0, ip="203.0.113.7", ua=CHROME_UA, site_key="shop", customer_id=None):
    """Post a batch through the same service the view calls; return the answer."""
    body = json.dumps({"site": site_key, "events": events}).encode()
    return services.events_collect(
        body=body,
        content_length=len(body),
        origin="",
        remote_addr=ip,
        forwarded_for="",
        user_agent=ua,
        do_not_track=False,
        customer_id=customer_id,
        now=now,
    )


def pageview(path, *, referrer="", title="", host="https://shop.example.com"):
    return {"kind": "pageview", "url": host + path, "referrer": referrer, "title": title}


TODAY = dt.date(2026, 10, 20)


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def web_store(data_dir):
    """The hand-made store of ``sample_events`` in this test's data directory."""
    store_write(store_path(), sample_events())
    return store_path()
