"""Reads behind the analytics pages: open the current warehouse, run one analysis, close.

Each function returns plain data (dicts, lists, Arrow tables) for a view to render; the
analyses themselves live in ``rfm``, ``tiers``, ``profitability``, ``cohorts`` and
``wallet``. ``WarehouseMissing`` propagates before the first refresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from dangol.analytics.rfm import NO_SEGMENT, SEGMENTS


@contextmanager
def _warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    from dangol.analytics.warehouse.connection import warehouse_connect

    con = warehouse_connect()
    try:
        yield con
    finally:
        con.close()


def rfm_report(
    *, as_of: dt.date, compare_to: dt.date | None, window_days: int | None = None
) -> dict[str, Any]:
    """Return the segment distribution as of ``as_of`` and, with ``compare_to``, the
    migration matrix from ``compare_to`` to ``as_of`` (rows: segment then, columns: now).
    """
    from dangol.analytics.rfm import rfm_distribution, rfm_migration, rfm_window_days

    days = rfm_window_days(window_days)
    with _warehouse() as con:
        distribution = rfm_distribution(con=con, as_of=as_of, window_days=days)
        migration = (
            rfm_migration(con=con, date_from=compare_to, date_to=as_of, window_days=days)
            if compare_to
            else []
        )
    names = [*SEGMENTS, NO_SEGMENT]
    counts = {(r["from_segment"], r["to_segment"]): r["customers"] for r in migration}
    matrix = [
        {"segment": a, "cells": [counts.get((a, b), 0) for b in names]}
        for a in names
        if any(counts.get((a, b)) for b in names)
    ]
    columns = [b for b in names if any(counts.get((a, b)) for a in names)]
    if matrix:
        keep = [names.index(b) for b in columns]
        for row in matrix:
            row["cells"] = [row["cells"][i] for i in keep]
            row["stayed"] = counts.get((row["segment"], row["segment"]), 0)
    return {
        "window_days": days,
        "distribution": distribution,
        "migration": migration,
        "matrix_columns": columns,
        "matrix": matrix,
    }


def pareto_report(*, as_of: dt.date, window_days: int | None = None) -> dict[str, Any]:
    """Return the Lorenz curves (101 points), Gini coefficients, tier summary and cuts."""
    from dangol.analytics.rfm import rfm_window_days
    from dangol.analytics.tiers import pareto, tier_cuts, tier_summary

    days = rfm_window_days(window_days)
    with _warehouse() as con:
        curve = pareto(con=con, as_of=as_of, window_days=days, points=100)
        tiers = tier_summary(con=con, as_of=as_of, window_days=days)
    top, middle = tier_cuts()
    return {"window_days": days, "cuts": (top, middle), "tiers": tiers, **curve}


def profitability_report(
    *, by: str, as_of: dt.date, top: int | None, window_days: int | None = None
) -> dict[str, Any]:
    """Return ranked profitability rows (``top`` first) and the totals over all rows."""
    from dangol.analytics.profitability import cost_per_interaction, profitability
    from dangol.analytics.rfm import rfm_window_days

    days = rfm_window_days(window_days)
    with _warehouse() as con:
        table = profitability(con=con, by=by, as_of=as_of, window_days=days)
    sums = {
        name: pc.sum(table.column(name)).as_py() or Decimal(0)
        for name in ("revenue", "cogs", "discount", "cost_to_serve", "profit")
    }
    profit = table.column("profit")
    losses = pc.sum(pc.less(profit, pa.scalar(0, profit.type))).as_py() or 0
    rows = table.slice(0, top).to_pylist() if top else table.to_pylist()
    return {
        "window_days": days,
        "rows": rows,
        "count": table.num_rows,
        "losses": losses,
        "totals": sums,
        "costs": cost_per_interaction(),
    }


def cohort_report(*, as_of: dt.date, since: dt.date | None) -> list[dict]:
    """Return the cohort matrix as long rows (see ``cohorts.cohort_matrix``)."""
    from dangol.analytics.cohorts import cohort_matrix

    with _warehouse() as con:
        return cohort_matrix(con=con, as_of=as_of, since=since).to_pylist()


def wallet_report(*, as_of: dt.date, top: int | None = 100) -> dict[str, Any]:
    """Return the share-of-wallet summary and the ``top`` pairs with the biggest gap."""
    from dangol.analytics.wallet import share_of_wallet_report
    from dangol.customers.selectors import category_budget_table

    budgets = category_budget_table()
    with _warehouse() as con:
        report = share_of_wallet_report(con=con, budgets=budgets, as_of=as_of, top=top)
    return {**report, "rows": report["rows"].to_pylist()}


def warehouse_status() -> dict[str, Any]:
    """Return the current warehouse's file, last refreshes, row counts and freshness.

    ``exists`` is False before the first refresh. Freshness is the age of the last refresh
    (``refreshed_at`` is local wall-clock time, the project's time zone).
    """
    from django.utils import timezone

    from dangol.analytics.warehouse.connection import warehouse_current_path
    from dangol.analytics.warehouse.schema import TABLE_DDL

    path = warehouse_current_path()
    if path is None:
        return {"exists": False}
    con = duckdb.connect(str(path), read_only=True)
    try:
        refreshes = con.execute(
            "SELECT refreshed_at, mode, source_high_water, rows_sales, rows_customers "
            "FROM refresh_state ORDER BY refreshed_at DESC LIMIT 10"
        ).fetchall()
        rows = {
            table: con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in TABLE_DDL
        }
        dates = con.execute("SELECT min(order_date), max(order_date) FROM fact_sales").fetchone()
    finally:
        con.close()
    keys = ("refreshed_at", "mode", "high_water", "rows_sales", "rows_customers")
    history = [dict(zip(keys, r, strict=True)) for r in refreshes]
    last = history[0]["refreshed_at"] if history else None
    age = None
    if last is not None:
        now = timezone.localtime().replace(tzinfo=None)
        age = max(dt.timedelta(0), now - last)
    return {
        "exists": True,
        "file": path.name,
        "size_bytes": path.stat().st_size,
        "last_refresh": last,
        "age": age,
        "age_hours": age.total_seconds() / 3600 if age is not None else None,
        "history": history,
        "rows": rows,
        "first_sale": dates[0],
        "last_sale": dates[1],
    }
