"""Writes of the analytics app: scores computed on the warehouse, written back to customers."""

from __future__ import annotations

import datetime as dt

import duckdb
from django.utils import timezone

from dangol.analytics.rfm import fetch_arrow, rfm_source, rfm_sql, rfm_window_days
from dangol.analytics.tiers import tier_cuts, tiers_sql
from dangol.customers.score_services import customer_scores_bulk_write

SCORE_WRITE_FIELDS = [
    "value_tier",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "rfm_segment",
    "computed_at",
]


def customer_scores_frame(
    *,
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    window_days: int | None = None,
    cuts: tuple[float, float] | None = None,
):
    """Return RFM scores, segment and value tier per customer as one pyarrow Table.

    RFM and tiers have the same population (customers with a valid purchase in the
    window), so one join by customer id gives every column.
    """
    top, middle = tier_cuts(cuts)
    params = {"as_of": as_of, "window_days": rfm_window_days(window_days)}
    params |= {"top": top, "middle": middle}
    # The refresh's per-customer summary answers the refresh's own date in a fraction of
    # the fact scan; any other date reads the facts (same rows either way).
    source = rfm_source(con, as_of, params["window_days"])
    sql = f"""
        SELECT r.customer_id, t.tier AS value_tier,
               r.r_score AS rfm_recency, r.f_score AS rfm_frequency,
               r.m_score AS rfm_monetary, r.segment AS rfm_segment
        FROM ({rfm_sql(source)}) r JOIN ({tiers_sql(source)}) t USING (customer_id)
        ORDER BY r.customer_id
    """
    return fetch_arrow(con, sql, params)


def customer_scores_refresh(
    *,
    as_of: dt.date,
    window_days: int | None = None,
    cuts: tuple[float, float] | None = None,
    warehouse: str | None = None,
) -> int:
    """Compute RFM and value tiers on the warehouse as of ``as_of`` and write them back.

    Customers without a valid purchase in the window get their tier and RFM fields
    cleared, so no stale score survives. A customer whose tier, RFM scores and segment
    are unchanged keeps its row as it is: ``computed_at`` is when they last changed.
    Return how many customers were scored.
    Reads the current warehouse, or the DuckDB file ``warehouse`` if given (read-only).
    """
    if warehouse:
        con = duckdb.connect(str(warehouse), read_only=True)
    else:
        from dangol.analytics.warehouse.connection import warehouse_connect

        con = warehouse_connect()
    try:
        table = customer_scores_frame(con=con, as_of=as_of, window_days=window_days, cuts=cuts)
    finally:
        con.close()
    frame = table.to_pandas()
    frame["computed_at"] = timezone.now()
    return customer_scores_bulk_write(
        rows=frame, fields=SCORE_WRITE_FIELDS, clear_others=True, skip_unchanged=True
    )


def warehouse_erasure_schedule() -> None:
    """Blank erased customers' personal columns in the warehouse after this commit.

    Called by ``customers.privacy.customer_erase`` (the customers app never writes the
    warehouse itself). Runs ``warehouse_erasures_task`` in the background; see
    ``warehouse.erasure`` for why it cannot be lost.
    """
    from dangol.analytics.tasks import warehouse_erasures_task
    from dangol.core.tasks import task_enqueue_on_commit

    task_enqueue_on_commit(warehouse_erasures_task)
