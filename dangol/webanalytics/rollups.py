"""Daily rollups of the web-analytics store, so that reports over millions of events read
thousands of rows.

Each rollup is one table keyed by day (UTC) and the report's dimensions, holding additive
measures only: counts and sums, and per-day distinct counts (``visitors`` of a page on a
day, ``visits`` searching a term on a day). Reports add them up over the chosen days; so
a visitor who viewed a page on two days counts twice in that page's "unique visitors"
over the range: the sum of daily unique visitors, as Matomo reports ranges.

Page views, site searches, errors and goals count on their event's day; entries, exits,
bounces and the visit measures of sources, technology and traffic on the day the visit
started.

``webanalytics_rollup_refresh`` is idempotent and incremental by day: it finds the
earliest day touched by events appended since its last run (their own day and their
visits' start day), deletes the rollup rows from that day on and rebuilds them from the
raw tables in one transaction. The ingester calls it after each batch, on its write
connection. ``ROLLUPS`` maps each table to its defining query, which the reports also use
as a subquery over the raw tables when a store has no rollups yet (same figures, slower).
"""

from __future__ import annotations

import datetime as dt

import duckdb

# Every definition reads the raw tables from $since (a TIMESTAMP) on.
ROLLUPS: dict[str, str] = {
    "web_traffic_day": """
SELECT CAST(started_at AS DATE) AS day, count(*) AS visits,
       count(DISTINCT visitor_id) AS visitors, sum(pageviews) AS pageviews
FROM web_visit WHERE started_at >= $since
GROUP BY 1""",
    "web_page_day": """
SELECT CAST(ts AS DATE) AS day, path, count(*) AS pageviews,
       count(DISTINCT visitor_id) AS visitors,
       coalesce(sum(time_on_page_ms), 0) AS time_sum_ms, count(time_on_page_ms) AS time_n
FROM web_event WHERE ts >= $since AND kind = 'pageview'
GROUP BY 1, 2""",
    "web_landing_day": """
SELECT day, path, sum(entries) AS entries, sum(bounces) AS bounces, sum(exits) AS exits
FROM (
    SELECT CAST(started_at AS DATE) AS day, entry_path AS path, count(*) AS entries,
           count(*) FILTER (WHERE pageviews = 1) AS bounces, 0 AS exits
    FROM web_visit WHERE started_at >= $since AND entry_path <> '' GROUP BY 1, 2
    UNION ALL
    SELECT CAST(started_at AS DATE), exit_path, 0, 0, count(*)
    FROM web_visit WHERE started_at >= $since AND exit_path <> '' GROUP BY 1, 2
)
GROUP BY 1, 2""",
    "web_source_day": """
SELECT CAST(started_at AS DATE) AS day, referrer_kind, referrer_name, search_keyword,
       utm_campaign, utm_source, utm_medium,
       count(*) AS visits, sum(pageviews) AS pageviews,
       count(*) FILTER (WHERE pageviews = 1) AS bounces,
       sum(goals) AS goals, sum(goal_value) AS goal_value
FROM web_visit WHERE started_at >= $since
GROUP BY ALL""",
    "web_tech_day": """
SELECT CAST(started_at AS DATE) AS day, dimension, value, count(*) AS visits,
       count(*) FILTER (WHERE pageviews = 1) AS bounces
FROM web_visit
CROSS JOIN LATERAL (VALUES ('browser', browser), ('os', os), ('device', device),
                           ('screen', screen)) d(dimension, value)
WHERE started_at >= $since
GROUP BY ALL""",
    "web_site_search_day": """
SELECT CAST(ts AS DATE) AS day, lower(trim(site_search)) AS term, count(*) AS searches,
       count(DISTINCT visit_id) AS visits
FROM web_event WHERE ts >= $since AND kind = 'search' AND trim(site_search) <> ''
GROUP BY 1, 2""",
    "web_error_day": """
SELECT CAST(ts AS DATE) AS day, path, error_code, referrer_url, count(*) AS errors,
       count(DISTINCT visit_id) AS visits
FROM web_event WHERE ts >= $since AND kind = 'error'
GROUP BY ALL""",
    "web_goal_day": """
SELECT CAST(e.ts AS DATE) AS day, e.goal, v.referrer_kind, v.referrer_name, v.utm_campaign,
       v.campaign_id, count(*) AS conversions, count(DISTINCT e.visit_id) AS visits,
       coalesce(sum(e.goal_value), 0) AS value
FROM web_event e JOIN web_visit v USING (visit_id)
WHERE e.ts >= $since AND e.kind = 'goal'
GROUP BY ALL""",
}

STATE_DDL = """
CREATE TABLE IF NOT EXISTS web_rollup_state (
    id INTEGER PRIMARY KEY,
    last_event_id BIGINT NOT NULL,
    refreshed_at TIMESTAMP NOT NULL
)
"""


def rollups_present(con: duckdb.DuckDBPyConnection) -> bool:
    """Return whether the store has every rollup table (reports then read them)."""
    return set(ROLLUPS) | {"web_rollup_state"} <= _tables(con)


def rollup_source(name: str, *, present: bool) -> str:
    """Return what a report reads for rollup ``name``: the table, or its defining query.

    The query (a constant of this module) reads the raw tables from ``$since`` on.
    """
    return name if present else f"({ROLLUPS[name]})"


def _earliest_touched_day(con, last_event_id: int) -> dt.date | None:
    row = con.execute(
        """
        SELECT least(min(CAST(e.ts AS DATE)), min(CAST(v.started_at AS DATE)))
        FROM web_event e LEFT JOIN web_visit v USING (visit_id)
        WHERE e.event_id > $last
        """,
        {"last": last_event_id},
    ).fetchone()
    return row[0]


def webanalytics_rollup_refresh(
    *, con: duckdb.DuckDBPyConnection, full: bool = False
) -> dt.date | None:
    """Bring the daily rollups up to date with the raw tables; return the first day rebuilt.

    Idempotent: with no new events since the last run it changes nothing and returns
    ``None``. ``full`` rebuilds every day. Runs in one transaction on ``con`` (a write
    connection), so readers see the old or the new rollups, never half of them.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(STATE_DDL)
        missing = not set(ROLLUPS) <= _tables(con)
        state = con.execute("SELECT last_event_id FROM web_rollup_state WHERE id = 1").fetchone()
        last = -1 if (state is None or full or missing) else state[0]
        max_id = con.execute("SELECT coalesce(max(event_id), -1) FROM web_event").fetchone()[0]
        if last >= max_id and not missing:
            con.execute("COMMIT")
            return None
        since_day = (
            dt.date(1970, 1, 1) if last < 0 else _earliest_touched_day(con, last)
        ) or dt.date(1970, 1, 1)
        since = dt.datetime.combine(since_day, dt.time())
        for table, definition in ROLLUPS.items():
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {table} AS {definition} LIMIT 0", {"since": since}
            )
            con.execute(f"DELETE FROM {table} WHERE day >= $day", {"day": since_day})
            con.execute(f"INSERT INTO {table} {definition}", {"since": since})
        con.execute(
            "INSERT OR REPLACE INTO web_rollup_state VALUES (1, $last, now()::TIMESTAMP)",
            {"last": max_id},
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return since_day


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
