"""RFM: recency, frequency and monetary value per customer, quintile scores and segments.

Set-based SQL over the warehouse's ``fact_sales_valid`` view (see docs/analytics.md, "RFM").
Every function takes an open DuckDB connection, so callers choose the warehouse file (the
current one through ``warehouse_connect``, or a test file) and nothing here loops over rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import duckdb
import pyarrow as pa
from django.conf import settings
from django.utils import timezone

from dangol.analytics.engines import Engine, engine_for
from dangol.analytics.errors import AnalyticsErrorCode, ValidationError

# What the analytics read from: a DuckDB connection to a warehouse, or any engine.
Connection = duckdb.DuckDBPyConnection | Engine

DEFAULT_WINDOW_DAYS = 365

# The segment of customers scored on one date but not on the other, in the migration matrix.
NO_SEGMENT = "none"

# Where per-customer values come from: the facts, or the per-customer summary that the
# warehouse refresh builds for its own as-of date and the configured window.
FACTS = "facts"
SUMMARY = "summary"
SUMMARY_TABLE = "customer_summary"
SUMMARY_STATE_TABLE = "customer_summary_state"


@dataclass(frozen=True)
class SegmentRule:
    """A named RFM segment: R score in ``r`` and FM score in ``fm`` (inclusive ranges)."""

    name: str
    r: tuple[int, int]
    fm: tuple[int, int]


# First match wins; together the rules cover all 25 (R, FM) cells. FM = (F + M) // 2.
# The grid they produce is printed in docs/analytics.md ("RFM").
SEGMENT_RULES: tuple[SegmentRule, ...] = (
    SegmentRule("champions", r=(4, 5), fm=(4, 5)),
    SegmentRule("cannot_lose", r=(1, 1), fm=(4, 5)),
    SegmentRule("at_risk", r=(1, 2), fm=(3, 5)),
    SegmentRule("loyal", r=(3, 5), fm=(3, 5)),
    SegmentRule("new", r=(5, 5), fm=(1, 1)),
    SegmentRule("promising", r=(3, 4), fm=(1, 1)),
    SegmentRule("need_attention", r=(2, 3), fm=(2, 2)),
    SegmentRule("potential_loyalist", r=(4, 5), fm=(2, 2)),
    SegmentRule("about_to_sleep", r=(2, 2), fm=(1, 1)),
    SegmentRule("hibernating", r=(1, 1), fm=(2, 2)),
    SegmentRule("lost", r=(1, 1), fm=(1, 1)),
)

SEGMENTS: tuple[str, ...] = tuple(rule.name for rule in SEGMENT_RULES)


def fetch_arrow(con: Connection, sql: str, params: dict) -> pa.Table:
    """Run ``sql`` on ``con`` (a DuckDB connection or an engine) and return a pyarrow Table."""
    return engine_for(con).arrow(sql, params)


def rfm_window_days(window_days: int | None = None) -> int:
    """Return ``window_days`` or the configured default, validated."""
    days = window_days
    if days is None:
        days = getattr(settings, "DANGOL_RFM_WINDOW_DAYS", DEFAULT_WINDOW_DAYS)
    if not isinstance(days, int) or days < 1:
        raise ValidationError(
            f"The RFM window must be a positive number of days, not {days!r}",
            code=AnalyticsErrorCode.INVALID_PARAMETER,
            field="window_days",
        )
    return days


def segment_for(r: int, fm: int) -> str:
    """Return the segment of one (R, FM) cell by the rule table (first match wins)."""
    for rule in SEGMENT_RULES:
        if rule.r[0] <= r <= rule.r[1] and rule.fm[0] <= fm <= rule.fm[1]:
            return rule.name
    raise ValueError(f"No RFM segment rule covers R={r}, FM={fm}")


def _segment_case_sql() -> str:
    whens = " ".join(
        f"WHEN r_score BETWEEN {rule.r[0]} AND {rule.r[1]} "
        f"AND fm_score BETWEEN {rule.fm[0]} AND {rule.fm[1]} THEN '{rule.name}'"
        for rule in SEGMENT_RULES
    )
    return f"CASE {whens} END"


# Valid purchases in the window ending on ``$as_of``.
IN_WINDOW = "order_date <= $as_of::DATE AND order_date > $as_of::DATE - $window_days::INTEGER"

# The rule table's fingerprint: a summary built under other rules is not used.
RULES_VERSION = hashlib.sha1(repr(SEGMENT_RULES).encode(), usedforsecurity=False).hexdigest()[:12]

# The summary's rows, only when it was built for the asked as-of date, window and rules.
SUMMARY_ROWS = f"""
    SELECT t.* FROM {SUMMARY_TABLE} t CROSS JOIN {SUMMARY_STATE_TABLE} s
    WHERE s.as_of = $as_of::DATE AND s.window_days = $window_days::INTEGER
      AND s.rules = '{RULES_VERSION}'
"""
# Value-tier rank (1 = highest margin), shared by the tier query and the summary build.
MARGIN_RANK = "row_number() OVER (ORDER BY margin DESC, customer_id)"
RFM_COLUMNS = (
    "customer_id",
    "recency_days",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "fm_score",
    "segment",
)


def rfm_scored_sql(tag: str = "") -> str:
    """Return per customer in the window: values, quintile scores; from the facts.

    Columns: customer_id, first_order_date, last_order_date, recency_days, frequency,
    monetary, margin, r_score, f_score, m_score. The summary table is this query's result.
    ``tag`` suffixes the CTE names, so two copies can sit in one statement (sqlglot hoists
    nested CTEs into one WITH for Spark, where names must differ).
    """
    return f"""
        WITH orders{tag} AS (
            -- Orders first, then customers: twice as fast as count(DISTINCT order_id).
            SELECT customer_id, order_id, max(order_date) AS order_date,
                   sum(revenue) AS revenue, sum(margin) AS margin
            FROM fact_sales_valid
            WHERE {IN_WINDOW}
            GROUP BY customer_id, order_id
        ), base{tag} AS (
            SELECT customer_id,
                   min(order_date) AS first_order_date,
                   max(order_date) AS last_order_date,
                   date_diff('day', max(order_date), $as_of::DATE) AS recency_days,
                   count(*) AS frequency,
                   sum(revenue) AS monetary,
                   sum(margin) AS margin
            FROM orders{tag}
            GROUP BY customer_id
        )
        SELECT *,
               CAST(ntile(5) OVER (ORDER BY recency_days DESC, customer_id) AS TINYINT)
                   AS r_score,
               CAST(ntile(5) OVER (ORDER BY frequency, customer_id) AS TINYINT) AS f_score,
               CAST(ntile(5) OVER (ORDER BY monetary, customer_id) AS TINYINT) AS m_score
        FROM base{tag}
    """


def rfm_segmented_sql(tag: str = "") -> str:
    """Return ``rfm_scored_sql`` plus ``fm_score`` and ``segment``: the summary's rows."""
    return f"""
        WITH scored{tag} AS ({rfm_scored_sql(tag)}), fm{tag} AS (
            SELECT *, CAST((f_score + m_score) // 2 AS TINYINT) AS fm_score FROM scored{tag}
        )
        SELECT *, {_segment_case_sql()} AS segment FROM fm{tag}
    """


def rfm_sql(source: str = FACTS, tag: str = "") -> str:
    """Return the RFM query; parameters ``$as_of`` (DATE) and ``$window_days`` (INTEGER).

    Purchases count when ``as_of - window_days < order_date <= as_of``. NTILE breaks ties
    by customer id, so equal values may straddle a quintile boundary deterministically.
    ``source`` SUMMARY reads the refresh's per-customer summary (``rfm_source`` says when
    it applies): the same rows, computed at refresh by this very query on the facts.
    ``tag`` suffixes CTE names.
    """
    rows = SUMMARY_ROWS if source == SUMMARY else rfm_segmented_sql(tag)
    return f"SELECT {', '.join(RFM_COLUMNS)} FROM ({rows}) rfm{tag}"


def rfm_source(con: Connection, as_of: dt.date, window_days: int) -> str:
    """Return SUMMARY if the summary holds ``as_of`` and ``window_days`` under today's rules."""
    engine = engine_for(con)
    if not engine.has_table(SUMMARY_STATE_TABLE) or not engine.has_table(SUMMARY_TABLE):
        return FACTS
    rows = engine.rows(f"SELECT as_of, window_days, rules FROM {SUMMARY_STATE_TABLE}")
    return SUMMARY if (as_of, window_days, RULES_VERSION) in set(rows) else FACTS


def customer_summary_build(
    *, con: duckdb.DuckDBPyConnection, as_of: dt.date | None = None, window_days: int | None = None
) -> int:
    """Rebuild the per-customer summary in a writable warehouse; return its row count.

    The warehouse refresh calls this last, for its own as-of date (today) and the
    configured window, so RFM and tiers for that date read about one row per customer
    instead of every order line, with the quintiles, segment and margin rank already
    computed. Other dates and windows still read the facts.
    """
    as_of = as_of or timezone.localdate()
    days = rfm_window_days(window_days)
    params = {"as_of": as_of, "window_days": days}
    con.execute(f"DROP TABLE IF EXISTS {SUMMARY_STATE_TABLE}")
    con.execute(
        f"CREATE OR REPLACE TABLE {SUMMARY_TABLE} AS "
        f"SELECT *, {MARGIN_RANK} AS margin_rank FROM ({rfm_segmented_sql()}) s "
        "ORDER BY customer_id",
        params,
    )
    count = con.execute(f"SELECT count(*) FROM {SUMMARY_TABLE}").fetchall()[0][0]
    con.execute(
        f"CREATE TABLE {SUMMARY_STATE_TABLE} AS SELECT $as_of::DATE AS as_of, "
        "$window_days::INTEGER AS window_days, current_timestamp::TIMESTAMP AS built_at, "
        "$customers::BIGINT AS customers, $rules::VARCHAR AS rules",
        params | {"customers": count, "rules": RULES_VERSION},
    )
    return count


def rfm_scores(*, con: Connection, as_of: dt.date, window_days: int | None = None) -> pa.Table:
    """Return one row per customer who bought in the window, with scores and segment.

    Columns: customer_id, recency_days, frequency, monetary, r_score, f_score, m_score,
    fm_score, segment; ordered by customer_id. Customers without a valid purchase in the
    window are not in the result (they have no RFM; the write-back clears theirs).
    """
    days = rfm_window_days(window_days)
    sql = f"SELECT * FROM ({rfm_sql(rfm_source(con, as_of, days))}) ORDER BY customer_id"
    return fetch_arrow(con, sql, {"as_of": as_of, "window_days": days})


def rfm_distribution(
    *, con: Connection, as_of: dt.date, window_days: int | None = None
) -> list[dict]:
    """Return customers and revenue per segment, every segment listed (zeros included)."""
    days = rfm_window_days(window_days)
    names = ", ".join(f"('{name}', {i})" for i, name in enumerate(SEGMENTS))
    sql = f"""
        WITH r AS ({rfm_sql(rfm_source(con, as_of, days))}),
             s(segment, ord) AS (VALUES {names}),
             total AS (SELECT count(*) AS n FROM r)
        SELECT s.segment, count(r.customer_id) AS customers,
               coalesce(sum(r.monetary), 0) AS revenue,
               CASE WHEN (SELECT n FROM total) = 0 THEN 0.0
                    ELSE count(r.customer_id) / (SELECT n FROM total) END AS share
        FROM s LEFT JOIN r ON r.segment = s.segment
        GROUP BY s.segment, s.ord ORDER BY s.ord
    """
    rows = engine_for(con).rows(sql, {"as_of": as_of, "window_days": days})
    return [
        {"segment": seg, "customers": n, "revenue": rev, "share": float(share)}
        for seg, n, rev, share in rows
    ]


def rfm_migration(
    *,
    con: Connection,
    date_from: dt.date,
    date_to: dt.date,
    window_days: int | None = None,
) -> list[dict]:
    """Return the segment x segment count table between two as-of dates.

    One row per (from_segment, to_segment) pair that has customers; a customer scored on
    only one of the dates moves from or to ``"none"``.
    """
    days = rfm_window_days(window_days)
    sql_from = rfm_sql(rfm_source(con, date_from, days), "_a").replace("$as_of", "$date_from")
    sql_to = rfm_sql(rfm_source(con, date_to, days), "_b").replace("$as_of", "$date_to")
    sql = f"""
        WITH a AS ({sql_from}), b AS ({sql_to})
        SELECT coalesce(a.segment, '{NO_SEGMENT}') AS from_segment,
               coalesce(b.segment, '{NO_SEGMENT}') AS to_segment,
               count(*) AS customers
        FROM a FULL OUTER JOIN b ON a.customer_id = b.customer_id
        GROUP BY ALL
    """
    rows = engine_for(con).rows(
        sql, {"date_from": date_from, "date_to": date_to, "window_days": days}
    )
    order = {name: i for i, name in enumerate((*SEGMENTS, NO_SEGMENT))}
    rows.sort(key=lambda row: (order[row[0]], order[row[1]]))
    return [{"from_segment": a, "to_segment": b, "customers": n} for a, b, n in rows]
