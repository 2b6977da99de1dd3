"""A real headless Chromium visits three pages carrying the tracker; store and reports show it."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from dangol.customers.tests.test_browser import browser_page  # noqa: F401 - fixture
from dangol.webanalytics import services
from dangol.webanalytics.ingest import webanalytics_ingest
from dangol.webanalytics.reports import report_run
from dangol.webanalytics.selectors import site_cache_clear
from dangol.webanalytics.store import web_store_read

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NAVER = "https://search.naver.com/search.naver?where=nexearch&query=%EB%8B%A8%EA%B3%A8+%EC%BD%94%ED%8A%B8"


def _wait_for(sql: str, expected, *, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while True:
        webanalytics_ingest()
        with web_store_read() as con:
            got = con.execute(sql).fetchall()
        if got == expected or time.monotonic() > deadline:
            return got
        time.sleep(0.25)


def test_chromium_visits_are_stored_with_entry_exit_and_referrer(
    browser_page,  # noqa: F811
    live_server,
    settings,
    tmp_path,
):
    settings.DATA_DIR = tmp_path
    settings.DANGOL_WEBANALYTICS_TEST_PAGES = True
    settings.DANGOL_WEBANALYTICS = {**settings.DANGOL_WEBANALYTICS, "allow_headless": True}
    site_cache_clear()
    services.site_create(key="test", allowed_origins=live_server.url)
    page = browser_page
    page.goto(f"{live_server.url}/webanalytics/test-pages/a/?site=test", referer=NAVER)
    assert page.evaluate("document.referrer") == NAVER
    page.click("#to-b")
    page.wait_for_url("**/test-pages/b/**")
    page.click("#to-c")
    page.wait_for_url("**/test-pages/c/**")
    page.click("#goal")
    pageviews = _wait_for(
        "SELECT path, referrer_kind, referrer_name, search_keyword FROM web_event"
        " WHERE kind = 'pageview' ORDER BY event_id",
        [
            ("/webanalytics/test-pages/a/", "search", "Naver", "단골 코트"),
            ("/webanalytics/test-pages/b/", "search", "Naver", "단골 코트"),
            ("/webanalytics/test-pages/c/", "search", "Naver", "단골 코트"),
        ],
    )
    assert len(pageviews) == 3, pageviews
    goals = _wait_for(
        "SELECT goal, goal_value FROM web_event WHERE kind = 'goal'", [("signup", 10.0)]
    )
    assert goals == [("signup", 10.0)]
    with web_store_read() as con:
        visits = con.execute(
            "SELECT entry_path, exit_path, pageviews, referrer_kind, referrer_name,"
            " search_keyword, browser, device, screen, goals FROM web_visit"
        ).fetchall()
        times = con.execute(
            "SELECT time_on_page_ms IS NOT NULL AND time_on_page_ms >= 0 FROM web_event"
            " WHERE kind = 'pageview' ORDER BY event_id"
        ).fetchall()
    assert visits == [
        (
            "/webanalytics/test-pages/a/",
            "/webanalytics/test-pages/c/",
            3,
            "search",
            "Naver",
            "단골 코트",
            "Chrome",
            "desktop",
            "1360x900",
            1,
        )
    ]
    # A and B have a time on page (the next page came); C's ends with the goal click.
    assert times == [(True,), (True,), (True,)]
    # The reports (read from the daily rollups the ingester refreshed) show the visit.
    today = timezone.now().astimezone(dt.UTC).date()
    period = {"date_from": today.isoformat(), "date_to": today.isoformat()}

    def report_rows(slug: str, **extra) -> list[dict]:
        return report_run(slug=slug, data={**period, **extra}, today=today).tables[0].rows

    assert report_run(slug="traffic", data=period, today=today).totals["visits"]["value"] == 1
    entry = report_rows("entry-pages")
    assert [(r["path"], r["visits"]) for r in entry] == [("/webanalytics/test-pages/a/", 1)]
    exits = report_rows("exit-pages")
    assert [(r["path"], r["exits"]) for r in exits if r["exits"]] == [
        ("/webanalytics/test-pages/c/", 1)
    ]
    engines = report_rows("search", by="engine")
    assert [(r["engine"], r["visits"]) for r in engines] == [("Naver", 1)]
    keywords = report_rows("search", by="keyword")
    assert [(r["keyword"], r["visits"]) for r in keywords] == [("단골 코트", 1)]


def test_the_test_pages_are_off_unless_enabled(client, settings):
    settings.DEBUG = False
    settings.DANGOL_WEBANALYTICS_TEST_PAGES = False
    assert client.get("/webanalytics/test-pages/a/").status_code == 404
