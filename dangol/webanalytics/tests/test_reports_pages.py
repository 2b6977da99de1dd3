"""Exact figures of the traffic and page reports over the hand-made store (store.py).

Current period 2026-10-01..10 holds visits 1-7, the previous one (09-21..30) visits 11
and 12; visits 21 and 22 fall outside both.
"""

from __future__ import annotations

import datetime as dt

import pytest

from dangol.webanalytics.reports import report_run
from dangol.webanalytics.tests.conftest import TODAY
from dangol.webanalytics.tests.store import PERIOD


def run(slug: str, **extra):
    return report_run(slug=slug, data={**PERIOD, **extra}, today=TODAY)


def rows(slug: str, **extra) -> list[dict]:
    return run(slug, **extra).tables[0].rows


def test_traffic_totals_and_previous_period(web_store):
    report = run("traffic")
    assert report.period.prev_from == dt.date(2026, 9, 21)
    assert report.period.prev_to == dt.date(2026, 9, 30)
    assert {k: (t["value"], t["prev"], t["change"]) for k, t in report.totals.items()} == {
        "visitors": (7, 2, 2.5),  # unique per day, summed: every visit is on its own day
        "visits": (7, 2, 2.5),
        "pageviews": (14, 3, 3.666667),
    }


def test_traffic_per_day_aligns_the_previous_period(web_store):
    series = rows("traffic", grain="day")
    assert len(series) == 10
    by_day = {r["period"]: r for r in series}
    oct2 = by_day[dt.date(2026, 10, 2)]
    assert (oct2["visits"], oct2["pageviews"], oct2["period_prev"]) == (1, 4, dt.date(2026, 9, 22))
    oct5 = by_day[dt.date(2026, 10, 5)]  # beside 09-25: visit 11, two page views
    assert (oct5["visits_prev"], oct5["pageviews_prev"], oct5["pageviews_change"]) == (1, 2, 0.5)
    assert by_day[dt.date(2026, 10, 1)]["visits_change"] is None  # 0 before: undefined


def test_traffic_per_month_counts_only_days_inside(web_store):
    series = rows("traffic", grain="month")
    assert [(r["period"], r["visits"], r["visits_prev"]) for r in series] == [
        (dt.date(2026, 10, 1), 7, 2)
    ]


def test_entry_pages_with_bounce_rate(web_store):
    got = rows("entry-pages")
    assert [(r["path"], r["visits"], r["bounce_rate"]) for r in got] == [
        ("/", 4, 0.5),  # visits 1, 3, 5, 7; 5 and 7 bounced
        ("/blog/1", 1, 0.0),
        ("/cart", 1, 0.0),
        ("/products/1", 1, 1.0),
    ]
    home = got[0]
    assert (home["visits_prev"], home["bounce_rate_prev"], home["bounce_rate_change"]) == (
        2,
        0.5,
        0.0,
    )


def test_exit_pages_with_exit_rate(web_store):
    got = {r["path"]: r for r in rows("exit-pages")}
    assert {p: (r["exits"], r["pageviews"], r["exit_rate"]) for p, r in got.items()} == {
        "/": (3, 5, 0.6),  # visits 5, 6, 7 end on it; viewed in 1, 3, 5, 6, 7
        "/cart": (1, 3, 0.333333),
        "/checkout": (1, 2, 0.5),
        "/checkout/done": (1, 1, 1.0),
        "/products/1": (1, 2, 0.5),
    }
    assert next(iter(got)) == "/"
    assert (got["/products/1"]["exit_rate_prev"], got["/products/1"]["exit_rate_change"]) == (
        1.0,
        -0.5,
    )


def test_most_and_least_popular_pages(web_store):
    most = rows("pages")
    assert [(r["path"], r["pageviews"], r["visitors"]) for r in most] == [
        ("/", 5, 5),  # vc viewed it on 10-04 and 10-08: daily unique visitors, summed
        ("/cart", 3, 3),
        ("/checkout", 2, 2),  # va on 10-02 and on 10-05
        ("/products/1", 2, 2),
        ("/blog/1", 1, 1),
        ("/checkout/done", 1, 1),
    ]
    assert most[0]["avg_time"] == 20.0  # 30 s and 10 s recorded, others unknown
    assert (most[0]["pageviews_prev"], most[0]["pageviews_change"]) == (2, 1.5)
    least = rows("pages", order="least", limit="3")
    assert [r["path"] for r in least] == ["/blog/1", "/checkout/done", "/checkout"]


def test_pages_with_errors_and_referring_pages(web_store):
    assert rows("errors") == [
        {
            "path": "/old/1",
            "error_code": 404,
            "errors": 1,
            "errors_prev": 0,
            "errors_change": None,
            "visits": 1,
            "referrers": ["https://shop.example.kr/cart (1)"],
        }
    ]


def test_no_store_gives_an_empty_report(data_dir):
    report = run("pages")
    assert report.has_data is False
    assert report.tables == []


def test_dates_without_events_give_empty_tables(web_store):
    report = report_run(
        slug="entry-pages", data={"date_from": "2025-01-01", "date_to": "2025-01-31"}, today=TODAY
    )
    assert report.has_data is False
    assert report.tables[0].rows == []


@pytest.mark.parametrize("slug", ["traffic", "entry-pages", "exit-pages", "pages", "errors"])
def test_default_period_is_the_last_30_days(web_store, slug):
    report = report_run(slug=slug, data={}, today=TODAY)
    assert (report.period.date_from, report.period.date_to) == (
        dt.date(2026, 9, 21),
        dt.date(2026, 10, 20),
    )
