"""A hand-made web-analytics store for the report tests, written set-based (pandas frame).

Visits are derived from the events with the synthetic generator's derivation (entry and
exit = first and last page view, pageviews, goals), the way the ingester keeps them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from dangol.webanalytics import schema
from dangol.webanalytics.synthetic import VISITS_FROM_EVENTS_SQL

EVENT_COLUMNS = [
    "event_id", "ts", "site", "visitor_id", "visit_id", "customer_id", "kind", "url", "path",
    "title", "referrer_url", "referrer_kind", "referrer_name", "search_keyword", "utm_source",
    "utm_medium", "utm_campaign", "campaign_id", "site_search", "outlink_url", "error_code",
    "goal", "goal_value", "browser", "browser_version", "os", "device", "screen",
    "color_depth", "ip_anon", "time_on_page_ms",
]  # fmt: skip


def visit(
    visit_id: int,
    start: str,
    visitor: str,
    steps: list,
    *,
    customer: int | None = None,
    referrer: tuple[str, str] = ("direct", ""),
    keyword: str = "",
    campaign: tuple[str, int | None] = ("", None),
    browser: str = "Chrome",
    device: str = "desktop",
    os: str = "Windows",
    screen: str = "1920x1080",
) -> list[dict]:
    """Return the events of one visit; a step is a path or a dict of event fields."""
    begin = dt.datetime.fromisoformat(start)
    events = []
    for i, step in enumerate(steps):
        fields = {"path": step} if isinstance(step, str) else dict(step)
        row = {
            "event_id": visit_id * 100 + i,
            "ts": begin + dt.timedelta(minutes=i),
            "site": "shop",
            "visitor_id": visitor,
            "visit_id": visit_id,
            "customer_id": customer,
            "kind": "pageview",
            "title": "",
            "referrer_url": "",
            "referrer_kind": referrer[0],
            "referrer_name": referrer[1],
            "search_keyword": keyword,
            "utm_source": "newsletter" if campaign[0] else "",
            "utm_medium": "email" if campaign[0] else "",
            "utm_campaign": campaign[0],
            "campaign_id": campaign[1],
            "site_search": "",
            "outlink_url": "",
            "error_code": None,
            "goal": "",
            "goal_value": None,
            "browser": browser,
            "browser_version": "",
            "os": os,
            "device": device,
            "screen": screen,
            "color_depth": 24,
            "ip_anon": "203.0.113.0",
            "time_on_page_ms": None,
        }
        row.update(fields)
        row.setdefault("path", "/")
        row["url"] = "https://shop.example.kr" + row["path"]
        events.append(row)
    return events


def events_append(con: duckdb.DuckDBPyConnection, events: list[dict]) -> None:
    """Append ``events`` to ``web_event`` in one statement (from a pandas frame)."""
    frame = pd.DataFrame(events, columns=EVENT_COLUMNS)
    for column, kind in (("customer_id", "Int64"), ("campaign_id", "Int64"),
                         ("error_code", "Int16"), ("time_on_page_ms", "Int32"),
                         ("goal_value", "Float64")):  # fmt: skip
        frame[column] = frame[column].astype(kind)
    con.register("frame", frame)
    con.execute(f"INSERT INTO web_event SELECT {', '.join(EVENT_COLUMNS)} FROM frame")
    con.unregister("frame")


def visits_rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Derive ``web_visit`` again from every event."""
    con.execute("DELETE FROM web_visit")
    con.execute(VISITS_FROM_EVENTS_SQL)


def store_write(path: Path, events: list[dict]) -> None:
    """Create the store at ``path`` with ``events`` and the visits derived from them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for ddl in schema.ALL_DDL:
            con.execute(ddl)
        events_append(con, events)
        con.execute(VISITS_FROM_EVENTS_SQL)
    finally:
        con.close()


SEARCH_SHOES = {"kind": "search", "path": "/search", "site_search": " Shoes "}


def sample_events() -> list[dict]:
    """Return the hand-made events the report tests assert on (see test_reports_pages)."""
    cur = [
        visit(1, "2026-10-02 10:00", "va", [{"path": "/", "time_on_page_ms": 30000},
              "/products/1", "/cart", "/checkout",
              {"kind": "goal", "path": "/checkout", "goal": "purchase", "goal_value": 50000}],
              customer=101),
        visit(2, "2026-10-03 10:00", "vb", ["/products/1"], referrer=("search", "Naver"),
              keyword="운동화"),
        visit(3, "2026-10-04 10:00", "vc", [{"path": "/", "time_on_page_ms": 10000}, "/cart",
              {"kind": "error", "path": "/old/1", "error_code": 404,
               "referrer_url": "https://shop.example.kr/cart"}, SEARCH_SHOES],
              referrer=("search", "Google")),
        visit(4, "2026-10-05 10:00", "va", ["/cart", "/checkout", "/checkout/done",
              {"kind": "goal", "path": "/checkout/done", "goal": "purchase", "goal_value": 30000}],
              customer=101, referrer=("campaign", "newsletter"), campaign=("spring_sale", 7)),
        visit(5, "2026-10-06 10:00", "vd", ["/"], referrer=("social", "Facebook"),
              browser="Safari", device="mobile", os="iOS", screen="390x844"),
        visit(6, "2026-10-07 10:00", "ve", ["/blog/1", "/",
              {"kind": "search", "path": "/search", "site_search": "shoes"}], customer=202),
        visit(7, "2026-10-08 10:00", "vc", ["/"]),
    ]  # fmt: skip
    prev = [
        visit(
            11,
            "2026-09-25 10:00",
            "vb",
            ["/", "/products/1"],
            referrer=("search", "Naver"),
            keyword="운동화",
        ),
        visit(12, "2026-09-26 10:00", "vd", ["/"]),
    ]
    outside = [
        visit(21, "2026-10-11 09:00", "vz", ["/", "/cart"]),
        visit(22, "2026-09-20 23:00", "vz", ["/", "/cart"]),
    ]
    return [e for v in cur + prev + outside for e in v]


PERIOD = {"date_from": "2026-10-01", "date_to": "2026-10-10"}
