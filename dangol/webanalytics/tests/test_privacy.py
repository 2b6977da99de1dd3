"""Erased customers are unlinked from the web-analytics store (docs/privacy.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from dangol.customers.privacy import customer_erase
from dangol.customers.tests.factories import CustomerFactory
from dangol.touchpoints.models import Interaction
from dangol.webanalytics.ingest import webanalytics_ingest
from dangol.webanalytics.privacy import webanalytics_erasures_apply
from dangol.webanalytics.store import web_store_read
from dangol.webanalytics.tests.conftest import T0, pageview, send

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def inline_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def at(seconds):
    return T0 + dt.timedelta(seconds=seconds)


def _links():
    with web_store_read() as con:
        return {
            table: con.execute(
                f"SELECT customer_id, count(*) FROM {table} GROUP BY ALL ORDER BY ALL"
            ).fetchall()
            for table in ("web_event", "web_visit", "web_visitor_state")
        }


def test_erase_unlinks_the_persons_visits_at_once_and_keeps_the_counts(
    site, admin_user, django_capture_on_commit_callbacks
):
    person, other = CustomerFactory(), CustomerFactory()
    send([pageview("/a"), pageview("/b")], now=at(0), customer_id=person.pk)
    send([pageview("/c")], now=at(5), ip="198.51.100.9", customer_id=other.pk)
    webanalytics_ingest(now=at(10))
    assert _links()["web_event"] == [(person.pk, 2), (other.pk, 1)]

    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=person, actor=admin_user, reason="request #1")

    links = _links()
    assert links["web_event"] == [(other.pk, 1), (None, 2)]
    assert links["web_visit"] == [(other.pk, 1), (None, 1)]
    assert links["web_visitor_state"] == [(other.pk, 1), (None, 1)]
    assert webanalytics_erasures_apply() == 0  # idempotent

    # The visits end: only the other customer's gets a timeline entry.
    webanalytics_ingest(now=at(3600))
    assert list(Interaction.objects.values_list("customer_id", flat=True)) == [other.pk]


def test_the_next_ingest_unlinks_an_erasure_the_task_missed_and_later_links(site, admin_user):
    person = CustomerFactory()
    send([pageview("/a")], now=at(0), customer_id=person.pk)
    webanalytics_ingest(now=at(1))
    # No on-commit callbacks: the task never ran (worker down, store locked).
    customer_erase(customer=person, actor=admin_user, reason="request #2")
    assert _links()["web_event"] == [(person.pk, 1)]
    # A link made after the erasure (e.g. a campaign link in an old e-mail) too.
    send([pageview("/b")], now=at(20), ip="198.51.100.20", customer_id=person.pk)

    webanalytics_ingest(now=at(30))

    assert _links()["web_event"] == [(None, 2)]
    webanalytics_ingest(now=at(3600))
    assert not Interaction.objects.filter(customer=person).exists()
