"""The daily rollups: same figures as the raw tables, incremental by day, idempotent."""

from __future__ import annotations

import duckdb

from dangol.webanalytics.reports import REPORTS, report_run
from dangol.webanalytics.rollups import ROLLUPS, rollups_present, webanalytics_rollup_refresh
from dangol.webanalytics.tests.conftest import TODAY
from dangol.webanalytics.tests.store import (
    PERIOD,
    events_append,
    store_write,
    visit,
    visits_rebuild,
)

EXTRA = {
    "funnel": {"steps": "/cart,/checkout,/checkout/done"},
    "technology": {"dimension": "screen"},
    "channels": {"by": "referrer"},
    "search": {"by": "keyword"},
}


def _all_reports() -> dict:
    out = {}
    for slug in REPORTS:
        report = report_run(slug=slug, data={**PERIOD, **EXTRA.get(slug, {})}, today=TODAY)
        out[slug] = (report.totals, [(t.name, t.rows) for t in report.tables], report.chart)
    return out


def _refresh(path, **kwargs):
    con = duckdb.connect(str(path))
    try:
        return webanalytics_rollup_refresh(con=con, **kwargs)
    finally:
        con.close()


def _rows(path, table):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_every_report_is_the_same_from_rollups_and_from_raw_tables(web_store):
    raw = _all_reports()
    _refresh(web_store)
    con = duckdb.connect(str(web_store), read_only=True)
    assert rollups_present(con)
    con.close()
    assert _all_reports() == raw
    assert raw["pages"][1][0][1][0]["pageviews"] == 5  # not an empty comparison


def test_refresh_is_idempotent_and_incremental(web_store):
    assert str(_refresh(web_store)) == "1970-01-01"  # first run: everything
    before = {t: _rows(web_store, t) for t in ROLLUPS}
    assert _refresh(web_store) is None  # nothing new: nothing done
    assert {t: _rows(web_store, t) for t in ROLLUPS} == before
    # A batch arrives: a new visit on 10-09 and a late page view of visit 3 (10-04).
    con = duckdb.connect(str(web_store))
    late = [
        *visit(31, "2026-10-09 08:00", "vq", ["/", "/cart"]),
        {**visit(3, "2026-10-04 10:30", "vc", ["/checkout"])[0], "event_id": 9999},
    ]
    events_append(con, late)
    visits_rebuild(con)
    con.close()
    assert str(_refresh(web_store)) == "2026-10-04"  # from the earliest touched day
    incremental = {t: _rows(web_store, t) for t in ROLLUPS}
    assert incremental != before
    assert str(_refresh(web_store, full=True)) == "1970-01-01"
    assert {t: _rows(web_store, t) for t in ROLLUPS} == incremental
    page = report_run(slug="pages", data=PERIOD, today=TODAY).tables[0].rows
    assert {r["path"]: r["pageviews"] for r in page}["/checkout"] == 3


def test_refresh_of_an_empty_store(data_dir, tmp_path):
    path = tmp_path / "empty.duckdb"
    store_write(path, [])
    assert str(_refresh(path)) == "1970-01-01"
    assert _refresh(path) is None
    assert all(_rows(path, t) == [] for t in ROLLUPS)
