"""Share of wallet: our revenue in a category against the customer's annual budget for it.

Budgets (``customers.CategoryBudget``) come from the operational database as one Arrow
table (``category_budget_table``); they are joined with the warehouse in DuckDB. Our
revenue in a budget's category is the customer's valid revenue over the 12 months ending
at ``as_of`` on products of that category or any category below it (paths "A > B" cover
"A > B > C"). See docs/analytics.md, "Share of wallet".
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa

from dangol.analytics.rfm import fetch_arrow

BUDGET_COLUMNS = ("customer_id", "category_id", "category_path", "annual_budget")

# Share-of-wallet bands for the distribution: (label, lower bound exclusive, upper inclusive).
# The first band is exactly 0 (budget known, nothing bought from us).
SHARE_BANDS: tuple[tuple[str, float | None, float | None], ...] = (
    ("0%", None, 0.0),
    ("0-10%", 0.0, 0.10),
    ("10-25%", 0.10, 0.25),
    ("25-50%", 0.25, 0.50),
    ("50-75%", 0.50, 0.75),
    ("75-100%", 0.75, 1.0),
    (">100%", 1.0, None),
)

_PAIRS_SQL = """
    WITH b AS (
        SELECT customer_id::BIGINT AS customer_id, category_id::BIGINT AS category_id,
               category_path::VARCHAR AS category_path,
               annual_budget::DECIMAL(14,2) AS budget
        FROM _wallet_budgets
    ), rev AS (
        SELECT s.customer_id, p.category_path, sum(s.revenue) AS revenue
        FROM fact_sales_valid s JOIN dim_product p USING (product_id)
        WHERE s.order_date <= $as_of::DATE
          AND s.order_date > $as_of::DATE - INTERVAL 12 MONTH
          AND s.customer_id IN (SELECT customer_id FROM b)
        GROUP BY ALL
    ), pairs AS (
        SELECT b.customer_id, b.category_id, b.category_path, b.budget,
               coalesce(sum(r.revenue), 0)::DECIMAL(18,2) AS revenue
        FROM b LEFT JOIN rev r ON r.customer_id = b.customer_id
             AND (r.category_path = b.category_path
                  OR starts_with(r.category_path, b.category_path || ' > '))
        GROUP BY ALL
    )
    SELECT customer_id, category_id, category_path, budget, revenue,
           revenue::DOUBLE / nullif(budget, 0)::DOUBLE AS share,
           (budget - revenue)::DECIMAL(18,2) AS gap
    FROM pairs
"""


def _pairs_build(con: duckdb.DuckDBPyConnection, budgets: pa.Table, as_of: dt.date) -> None:
    """Compute every (customer, category budget) pair once into the temp table _wallet_pairs."""
    missing = set(BUDGET_COLUMNS) - set(budgets.column_names)
    if missing:
        raise ValueError(f"budgets lack columns {sorted(missing)}")
    con.register("_wallet_budgets", budgets.select(list(BUDGET_COLUMNS)))
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _wallet_pairs AS {_PAIRS_SQL}", {"as_of": as_of})
    finally:
        con.unregister("_wallet_budgets")


def _ranked(con: duckdb.DuckDBPyConnection, top: int | None) -> pa.Table:
    limit = f"LIMIT {int(top)}" if top else ""
    sql = f"""
        SELECT *, row_number() OVER (ORDER BY gap DESC, customer_id, category_path) AS rank
        FROM _wallet_pairs ORDER BY rank {limit}
    """
    return fetch_arrow(con, sql, {})


def share_of_wallet(
    *,
    con: duckdb.DuckDBPyConnection,
    budgets: pa.Table,
    as_of: dt.date,
    top: int | None = None,
) -> pa.Table:
    """Return one row per known budget, biggest gap first.

    Columns: customer_id, category_id, category_path, budget, revenue (ours, last 12
    months), share (revenue / budget; empty when the budget is 0), gap (budget - revenue:
    the growth potential, negative when we sell more than the stated budget), rank.
    """
    _pairs_build(con, budgets, as_of)
    return _ranked(con, top)


def _band_case() -> str:
    parts = []
    for label, low, high in SHARE_BANDS:
        cond = []
        if low is not None:
            cond.append(f"share > {low!r}")
        if high is not None:
            cond.append(f"share <= {high!r}")
        parts.append(f"WHEN {' AND '.join(cond)} THEN '{label}'")
    return "CASE " + " ".join(parts) + " END"


def share_of_wallet_summary(
    *, con: duckdb.DuckDBPyConnection, budgets: pa.Table, as_of: dt.date
) -> dict:
    """Return totals, the distribution of shares by band and the figures per category.

    ``totals``: pairs, customers, budget, revenue, share (revenue / budget over all pairs),
    gap. ``distribution``: per band of ``SHARE_BANDS`` the number of pairs (pairs with a
    zero budget are left out). ``categories``: per budget category the customers, budget,
    revenue, share and gap, biggest gap first.
    """
    _pairs_build(con, budgets, as_of)
    return _summary(con)


def share_of_wallet_report(
    *, con: duckdb.DuckDBPyConnection, budgets: pa.Table, as_of: dt.date, top: int | None
) -> dict:
    """Return the summary and, as ``rows`` (an Arrow table), the ``top`` biggest gaps.

    The pairs are computed once for both.
    """
    _pairs_build(con, budgets, as_of)
    return {**_summary(con), "rows": _ranked(con, top)}


def _summary(con: duckdb.DuckDBPyConnection) -> dict:
    n, customers, budget, revenue = con.execute(
        "SELECT count(*), count(DISTINCT customer_id), coalesce(sum(budget), 0), "
        "coalesce(sum(revenue), 0) FROM _wallet_pairs"
    ).fetchone()
    totals = {
        "pairs": n,
        "customers": customers,
        "budget": budget,
        "revenue": revenue,
        "share": float(revenue / budget) if budget else None,
        "gap": budget - revenue,
    }
    labels = ", ".join(f"('{label}', {i})" for i, (label, _lo, _hi) in enumerate(SHARE_BANDS))
    distribution = con.execute(f"""
        WITH bands(band, ord) AS (VALUES {labels}),
        p AS (SELECT {_band_case()} AS band FROM _wallet_pairs WHERE share IS NOT NULL)
        SELECT bands.band, count(p.band) AS pairs
        FROM bands LEFT JOIN p ON p.band = bands.band
        GROUP BY bands.band, bands.ord ORDER BY bands.ord
    """).fetchall()
    categories = con.execute("""
        SELECT category_path, count(DISTINCT customer_id) AS customers,
               sum(budget) AS budget, sum(revenue) AS revenue,
               sum(revenue)::DOUBLE / nullif(sum(budget), 0)::DOUBLE AS share,
               sum(gap) AS gap
        FROM _wallet_pairs GROUP BY category_path ORDER BY gap DESC, category_path
    """).fetchall()
    return {
        "totals": totals,
        "distribution": [{"band": band, "pairs": count} for band, count in distribution],
        "categories": [
            dict(
                zip(
                    ("category_path", "customers", "budget", "revenue", "share", "gap"),
                    row,
                    strict=True,
                )
            )
            for row in categories
        ],
    }
