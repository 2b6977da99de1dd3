from __future__ import annotations

import datetime as dt

import pytest

from dangol.webanalytics.ingest import webanalytics_ingest
from dangol.webanalytics.spool import spool_append, spool_claim, spool_dir
from dangol.webanalytics.store import web_store_read
from dangol.webanalytics.tests.conftest import T0, pageview, send

pytestmark = pytest.mark.django_db

NAVER = "https://search.naver.com/search.naver?query=%EB%8B%A8%EA%B3%A8+%EC%BD%94%ED%8A%B8"
SHOP = "https://shop.example.com"


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def visits():
    with web_store_read() as con:
        return con.execute(
            "SELECT visit_id, started_at, ended_at, entry_path, exit_path, pageviews, events,"
            " referrer_kind, referrer_name, search_keyword FROM web_visit ORDER BY visit_id"
        ).fetchall()


def events():
    with web_store_read() as con:
        return con.execute(
            "SELECT event_id, visit_id, kind, path, referrer_kind, referrer_name,"
            " time_on_page_ms FROM web_event ORDER BY event_id"
        ).fetchall()


def test_a_visit_with_entry_exit_time_on_page_and_source(site):
    assert send([pageview("/a", referrer=NAVER)], now=at(0)).status == 202
    send([pageview("/b", referrer=SHOP + "/a")], now=at(12.5))
    send([pageview("/c", referrer=SHOP + "/b")], now=at(40))
    result = webanalytics_ingest(now=at(41))
    assert (result.events, result.visits_new, result.visits_closed) == (3, 1, 0)
    assert visits() == [
        (
            1,
            at(0).replace(tzinfo=None),
            at(40).replace(tzinfo=None),
            "/a",
            "/c",
            3,
            3,
            "search",
            "Naver",
            "단골 코트",
        ),
    ]
    # Internal referrers take the visit's source; the last page's time is not known yet.
    assert events() == [
        (1, 1, "pageview", "/a", "search", "Naver", 12500),
        (2, 1, "pageview", "/b", "search", "Naver", 27500),
        (3, 1, "pageview", "/c", "search", "Naver", None),
    ]


def test_thirty_minutes_of_inactivity_end_a_visit_exactly_at_the_boundary(site):
    send([pageview("/a")], now=at(0))
    send([pageview("/b")], now=at(30 * 60))  # exactly 30 minutes: same visit
    send([pageview("/c")], now=at(60 * 60 + 0.001))  # 30 minutes and 1 ms later: new visit
    webanalytics_ingest(now=at(3600.5))
    rows = visits()
    assert [(r[0], r[3], r[4], r[5]) for r in rows] == [(1, "/a", "/b", 2), (2, "/c", "/c", 1)]
    assert [(e[1], e[3], e[6]) for e in events()] == [
        (1, "/a", 1_800_000),
        (1, "/b", None),
        (2, "/c", None),
    ]


def test_visits_continue_across_batches_and_the_previous_page_gets_its_time(site):
    send([pageview("/a", referrer=NAVER)], now=at(0))
    webanalytics_ingest(now=at(1))
    send([pageview("/b", referrer=SHOP + "/a")], now=at(90))
    send([{"kind": "goal", "url": SHOP + "/b", "goal": "signup", "value": 10}], now=at(95))
    webanalytics_ingest(now=at(96))
    send([pageview("/c", referrer=SHOP + "/b")], now=at(30 * 60 + 95))
    webanalytics_ingest(now=at(30 * 60 + 96))
    assert [(r[0], r[3], r[4], r[5], r[6], r[7]) for r in visits()] == [
        (1, "/a", "/c", 3, 4, "search")
    ]
    assert [(e[2], e[3], e[6]) for e in events()] == [
        ("pageview", "/a", 90_000),
        ("pageview", "/b", 5_000),
        ("goal", "/b", None),
        ("pageview", "/c", None),
    ]
    with web_store_read() as con:
        assert con.execute("SELECT goals, goal_value FROM web_visit").fetchall() == [(1, 10.0)]


def test_two_visitors_are_two_visits(site):
    send([pageview("/a")], now=at(0), ip="198.51.100.1")
    send([pageview("/b")], now=at(1), ip="198.51.100.2")
    send([pageview("/c")], now=at(2), ip="198.51.100.1")
    webanalytics_ingest(now=at(3))
    # Same /24 after anonymisation and the same agent: one visitor, as the privacy
    # choice implies; a different network is another visitor.
    send([pageview("/d")], now=at(4), ip="192.0.2.1")
    webanalytics_ingest(now=at(5))
    assert [(r[3], r[4], r[5]) for r in visits()] == [("/a", "/c", 3), ("/d", "/d", 1)]


def test_ended_visits_leave_the_state_table(site):
    send([pageview("/a")], now=at(0))
    assert webanalytics_ingest(now=at(60)).visits_closed == 0
    assert webanalytics_ingest(now=at(31 * 60)).visits_closed == 1
    with web_store_read() as con:
        assert con.execute("SELECT count(*) FROM web_visitor_state").fetchone() == (0,)


def test_a_claimed_file_already_recorded_is_not_ingested_twice(site):
    """A crash after commit but before the file was deleted: the rerun only deletes it."""
    send([pageview("/a"), pageview("/b")], now=at(0))
    claimed = spool_claim()
    saved = claimed[0].read_bytes()
    webanalytics_ingest(now=at(1))
    # Put the ingested file back as if the process had died before deleting it.
    claimed[0].write_bytes(saved)
    result = webanalytics_ingest(now=at(2))
    assert result.events == 0
    assert not claimed[0].exists()
    assert len(events()) == 2


def test_a_claimed_file_not_yet_recorded_is_ingested_on_the_next_run(site):
    """A crash after claiming but before commit: the next run ingests the file once."""
    send([pageview("/a")], now=at(0))
    claimed = spool_claim()
    assert claimed[0].name.endswith(".jsonl.ingesting")
    send([pageview("/b")], now=at(5))  # goes to a new file: the old one is claimed
    result = webanalytics_ingest(now=at(6))
    assert (result.files, result.events) == (2, 2)
    assert [e[3] for e in events()] == ["/a", "/b"]
    assert list(spool_dir().glob("*.jsonl*")) == []


def test_a_torn_last_line_is_skipped_and_the_rest_kept(site):
    send([pageview("/a")], now=at(0))
    spool_append(b'{"ts":"2026-03-02 09:00:01","site":"shop","kind":"page')  # a crash mid-write
    webanalytics_ingest(now=at(2))
    assert [e[3] for e in events()] == ["/a"]


def test_a_page_that_arrives_late_still_becomes_the_entry_with_its_source(site):
    """A beacon sent at pagehide can arrive after the next page's event."""
    send([pageview("/b", referrer=SHOP + "/a")], now=at(10))
    webanalytics_ingest(now=at(11))
    send([pageview("/a", referrer=NAVER)], now=at(5))
    webanalytics_ingest(now=at(12))
    assert [(r[1], r[3], r[4], r[5], r[7], r[8]) for r in visits()] == [
        (at(5).replace(tzinfo=None), "/a", "/b", 2, "search", "Naver")
    ]
