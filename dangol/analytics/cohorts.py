"""Monthly acquisition cohorts: retention in customers and in revenue.

A customer's cohort is the month of their first valid purchase (``fact_sales_valid``, any
time up to ``as_of``). For each cohort and each month since (0 = the acquisition month, up
to the month of ``as_of``) the matrix counts the cohort's customers who bought in that
month and their revenue. Set-based SQL over the warehouse; every value is a bound
parameter. See docs/analytics.md, "Cohorts".
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa

from dangol.analytics.errors import AnalyticsErrorCode, ValidationError
from dangol.analytics.rfm import fetch_arrow

COLUMNS = (
    "cohort",
    "cohort_customers",
    "month",
    "customers",
    "revenue",
    "customer_retention",
    "revenue_retention",
)

# Months are integers (year * 12 + month - 1): cheaper to group and subtract than dates.
# ``cm`` is one row per customer and month with a purchase, so counting its rows counts
# distinct customers; it is materialised once and read twice. ``grid`` lists every
# (cohort, month) up to the month of as_of, so a month in which nobody of the cohort
# bought shows 0 instead of being missing from the heatmap.
_SQL = """
    WITH cm AS MATERIALIZED (
        SELECT customer_id, year(order_date) * 12 + month(order_date) - 1 AS m,
               sum(revenue) AS revenue
        FROM fact_sales_valid WHERE order_date <= $as_of::DATE
        GROUP BY ALL
    ), firsts AS (
        SELECT customer_id, min(m) AS cohort FROM cm GROUP BY customer_id
    ), cohorts AS (
        SELECT cohort, count(*) AS cohort_customers FROM firsts
        WHERE $since::DATE IS NULL
           OR cohort >= year($since::DATE) * 12 + month($since::DATE) - 1
        GROUP BY cohort
    ), activity AS (
        SELECT f.cohort, cm.m - f.cohort AS month,
               count(*) AS customers, sum(cm.revenue) AS revenue
        FROM cm JOIN firsts f USING (customer_id)
        WHERE f.cohort IN (SELECT cohort FROM cohorts)
        GROUP BY ALL
    ), grid AS (
        SELECT cohort, cohort_customers,
               unnest(range(0, year($as_of::DATE) * 12 + month($as_of::DATE) - cohort)) AS month
        FROM cohorts
    ), cells AS (
        SELECT g.cohort, g.cohort_customers, g.month,
               coalesce(a.customers, 0) AS customers,
               coalesce(a.revenue, 0)::DECIMAL(18,2) AS revenue
        FROM grid g LEFT JOIN activity a ON a.cohort = g.cohort AND a.month = g.month
    )
    SELECT printf('%04d-%02d', cohort // 12, cohort % 12 + 1) AS cohort, cohort_customers,
           month::INTEGER AS month, customers, revenue,
           customers / cohort_customers AS customer_retention,
           revenue::DOUBLE / nullif(first_value(revenue) OVER (
               PARTITION BY cohort ORDER BY month)::DOUBLE, 0) AS revenue_retention
    FROM cells
    ORDER BY cells.cohort, month
"""


def cohort_matrix(
    *, con: duckdb.DuckDBPyConnection, as_of: dt.date, since: dt.date | None = None
) -> pa.Table:
    """Return the cohort x months-since-first-order matrix in long form, one row per cell.

    Columns: ``cohort`` ('YYYY-MM'), ``cohort_customers`` (acquired that month),
    ``month`` (0 = acquisition month), ``customers`` (of the cohort buying in that month),
    ``revenue`` (their valid revenue that month), ``customer_retention`` (customers /
    cohort_customers) and ``revenue_retention`` (revenue / the cohort's month-0 revenue,
    empty when that is 0). Only purchases up to ``as_of`` count; ``since`` drops cohorts
    acquired before its month.
    """
    if since is not None and since > as_of:
        raise ValidationError(
            "since must not be after as_of",
            code=AnalyticsErrorCode.INVALID_PARAMETER,
            field="since",
        )
    return fetch_arrow(con, _SQL, {"as_of": as_of, "since": since})


def cohort_grid(rows: list[dict], *, measure: str = "customer_retention") -> dict:
    """Return the long rows as a grid for display: one row per cohort, one cell per month.

    ``{"months": [0..max], "rows": [{"cohort", "cohort_customers", "cells": [...]}]}``;
    a cohort younger than the oldest one has fewer cells (the triangle).
    """
    months = sorted({row["month"] for row in rows})
    grid: dict[str, dict] = {}
    for row in rows:
        entry = grid.setdefault(
            row["cohort"],
            {"cohort": row["cohort"], "cohort_customers": row["cohort_customers"], "cells": []},
        )
        entry["cells"].append(row[measure])
    return {"months": months, "rows": list(grid.values())}
