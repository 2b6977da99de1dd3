"""Pareto analysis: Lorenz curve, Gini coefficient and value tiers by margin.

Set-based SQL over ``fact_sales_valid`` (see docs/analytics.md, "Pareto and value tiers").
The population is every customer with a valid purchase in the window (as for RFM).
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from django.conf import settings

from dangol.analytics.engines import engine_for
from dangol.analytics.errors import AnalyticsErrorCode, ValidationError
from dangol.analytics.rfm import (
    FACTS,
    IN_WINDOW,
    MARGIN_RANK,
    SUMMARY,
    SUMMARY_ROWS,
    Connection,
    fetch_arrow,
    rfm_source,
    rfm_window_days,
)

DEFAULT_TIER_CUTS = (0.20, 0.50)  # top and middle shares of customers; bottom is the rest
TIERS = ("top", "middle", "bottom")


def tier_cuts(cuts: tuple[float, float] | None = None) -> tuple[float, float]:
    """Return ``(top, middle)`` customer shares, or the configured ones, validated."""
    value = cuts if cuts is not None else getattr(settings, "DANGOL_VALUE_TIER_CUTS", None)
    value = tuple(value) if value is not None else DEFAULT_TIER_CUTS
    if (
        len(value) != 2
        or not all(isinstance(v, int | float) for v in value)
        or value[0] <= 0
        or value[1] < 0
        or value[0] + value[1] > 1
    ):
        raise ValidationError(
            f"Tier cuts must be (top, middle) shares with 0 < top and top + middle <= 1, "
            f"not {value!r}",
            code=AnalyticsErrorCode.INVALID_PARAMETER,
            field="cuts",
        )
    return float(value[0]), float(value[1])


_PER_CUSTOMER = f"""
    SELECT customer_id, sum(revenue) AS revenue, sum(margin) AS margin
    FROM fact_sales_valid
    WHERE {IN_WINDOW}
    GROUP BY customer_id
"""
_PER_CUSTOMER_SUMMARY = f"""
    SELECT customer_id, monetary AS revenue, margin FROM ({SUMMARY_ROWS}) summary
"""


def per_customer_sql(source: str = FACTS) -> str:
    """Return revenue and margin per customer in the window, from the facts or the summary."""
    return _PER_CUSTOMER_SUMMARY if source == SUMMARY else _PER_CUSTOMER


def _params(as_of: dt.date, window_days: int | None) -> dict:
    return {"as_of": as_of, "window_days": rfm_window_days(window_days)}


def _ranked_sql(source: str) -> str:
    """Return customers with revenue, margin, their margin rank and the count ``n``."""
    if source == SUMMARY:
        # The summary holds MARGIN_RANK, computed at refresh.
        return f"""
            SELECT customer_id, monetary AS revenue, margin, margin_rank AS rank,
                   count(*) OVER () AS n
            FROM ({SUMMARY_ROWS}) summary
        """
    return f"""
        SELECT *, {MARGIN_RANK} AS rank, count(*) OVER () AS n FROM ({_PER_CUSTOMER}) c
    """


def tiers_sql(source: str = FACTS) -> str:
    """Return the tier query; parameters ``$as_of``, ``$window_days``, ``$top``, ``$middle``.

    Customers are ranked by margin (highest first, ties by customer id); the first
    ``round(n * top)`` are top, up to ``round(n * (top + middle))`` middle, the rest bottom
    (round half up).
    """
    return f"""
        WITH ranked AS ({_ranked_sql(source)})
        SELECT customer_id, revenue, margin, rank,
               CASE WHEN rank <= floor(n * $top::DOUBLE + 0.5) THEN 'top'
                    WHEN rank <= floor(n * ($top::DOUBLE + $middle::DOUBLE) + 0.5)
                        THEN 'middle'
                    ELSE 'bottom' END AS tier
        FROM ranked
    """


def value_tiers(
    *,
    con: Connection,
    as_of: dt.date,
    window_days: int | None = None,
    cuts: tuple[float, float] | None = None,
) -> pa.Table:
    """Return customer_id, revenue, margin, rank (1 = highest margin), tier; by customer_id."""
    top, middle = tier_cuts(cuts)
    params = _params(as_of, window_days) | {"top": top, "middle": middle}
    source = rfm_source(con, as_of, params["window_days"])
    sql = f"SELECT * FROM ({tiers_sql(source)}) ORDER BY customer_id"
    return fetch_arrow(con, sql, params)


def tier_summary(
    *,
    con: Connection,
    as_of: dt.date,
    window_days: int | None = None,
    cuts: tuple[float, float] | None = None,
) -> list[dict]:
    """Return per tier: customers, revenue, margin and their shares of the totals."""
    top, middle = tier_cuts(cuts)
    params = _params(as_of, window_days) | {"top": top, "middle": middle}
    source = rfm_source(con, as_of, params["window_days"])
    # Shares divide doubles, so every engine does the same IEEE arithmetic.
    sql = f"""
        WITH t AS ({tiers_sql(source)}), tiers(tier, ord) AS (
            VALUES ('top', 0), ('middle', 1), ('bottom', 2)
        ), tot AS (SELECT sum(revenue) AS rev, sum(margin) AS mar, count(*) AS n FROM t)
        SELECT tiers.tier, count(t.customer_id) AS customers,
               coalesce(sum(t.revenue), 0) AS revenue, coalesce(sum(t.margin), 0) AS margin,
               coalesce(count(t.customer_id) / nullif(any_value(tot.n), 0), 0) AS customer_share,
               coalesce(CAST(sum(t.revenue) AS DOUBLE)
                        / nullif(CAST(any_value(tot.rev) AS DOUBLE), 0), 0) AS revenue_share,
               coalesce(CAST(sum(t.margin) AS DOUBLE)
                        / nullif(CAST(any_value(tot.mar) AS DOUBLE), 0), 0) AS margin_share
        FROM tiers CROSS JOIN tot LEFT JOIN t ON t.tier = tiers.tier
        GROUP BY tiers.tier, tiers.ord ORDER BY tiers.ord
    """
    columns = [
        "tier",
        "customers",
        "revenue",
        "margin",
        "customer_share",
        "revenue_share",
        "margin_share",
    ]
    out = []
    for row in engine_for(con).rows(sql, params):
        item = dict(zip(columns, row, strict=True))
        for key in ("customer_share", "revenue_share", "margin_share"):
            item[key] = float(item[key])
        out.append(item)
    return out


def pareto(
    *,
    con: Connection,
    as_of: dt.date,
    window_days: int | None = None,
    points: int = 100,
) -> dict:
    """Return the Lorenz curves and Gini coefficients of revenue and margin per customer.

    ``lorenz`` has ``points + 1`` rows, p = 0..points: with ``k = round(n * p / points)``
    customers, ``revenue_lorenz`` is the share of revenue of the k lowest customers and
    ``revenue_top`` the share of the k highest (the Pareto reading: "the top 20 % bring
    80 %"); the same for margin. Gini on the ascending values x_1..x_n:
    ``G = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n`` (exact, no binning).
    """
    if points < 1:
        raise ValidationError(
            "points must be at least 1",
            code=AnalyticsErrorCode.INVALID_PARAMETER,
            field="points",
        )
    params = _params(as_of, window_days) | {"points": points}
    source = rfm_source(con, as_of, params["window_days"])
    # Each ordering is sorted once (row number and running sum share the window) and
    # materialised, so the four point lookups below do not recompute it.
    sql = f"""
        WITH c AS MATERIALIZED ({per_customer_sql(source)}),
        rv AS MATERIALIZED (
            SELECT k, cum, k * revenue AS wx FROM (
                SELECT revenue, row_number() OVER w AS k, sum(revenue) OVER w AS cum
                FROM (SELECT customer_id, revenue::DOUBLE AS revenue FROM c)
                WINDOW w AS (ORDER BY revenue, customer_id)
            ) w
        ), mg AS MATERIALIZED (
            SELECT k, cum, k * margin AS wx FROM (
                SELECT margin, row_number() OVER w AS k, sum(margin) OVER w AS cum
                FROM (SELECT customer_id, margin::DOUBLE AS margin FROM c)
                WINDOW w AS (ORDER BY margin, customer_id)
            ) w
        ), tot AS (
            SELECT (SELECT count(*) FROM c) AS n,
                   (SELECT sum(revenue)::DOUBLE FROM c) AS rev,
                   (SELECT sum(margin)::DOUBLE FROM c) AS mar,
                   (SELECT sum(wx) FROM rv) AS wrev, (SELECT sum(wx) FROM mg) AS wmar
        ), steps AS (
            SELECT unnest(range(0, $points::INTEGER + 1)) AS p
        ), p AS (
            SELECT p, CAST(floor((SELECT n FROM tot) * p / $points::INTEGER + 0.5) AS BIGINT) AS k
            FROM steps
        )
        SELECT p.p, p.k,
               coalesce(lr.cum, 0) / nullif(tot.rev, 0) AS revenue_lorenz,
               (tot.rev - coalesce(hr.cum, 0)) / nullif(tot.rev, 0) AS revenue_top,
               coalesce(lm.cum, 0) / nullif(tot.mar, 0) AS margin_lorenz,
               (tot.mar - coalesce(hm.cum, 0)) / nullif(tot.mar, 0) AS margin_top,
               tot.n, tot.rev, tot.mar,
               2 * tot.wrev / nullif(tot.n * tot.rev, 0) - (tot.n + 1) / tot.n AS gini_revenue,
               2 * tot.wmar / nullif(tot.n * tot.mar, 0) - (tot.n + 1) / tot.n AS gini_margin
        FROM p CROSS JOIN tot
        LEFT JOIN rv lr ON lr.k = p.k
        LEFT JOIN rv hr ON hr.k = tot.n - p.k
        LEFT JOIN mg lm ON lm.k = p.k
        LEFT JOIN mg hm ON hm.k = tot.n - p.k
        ORDER BY p.p
    """
    rows = engine_for(con).rows(sql, params)
    n = rows[0][6] if rows else 0

    def f(x):
        return None if x is None else float(x)

    return {
        "customers": n,
        "revenue": f(rows[0][7]) if n else 0.0,
        "margin": f(rows[0][8]) if n else 0.0,
        "gini_revenue": f(rows[0][9]) if n else None,
        "gini_margin": f(rows[0][10]) if n else None,
        "lorenz": [
            {
                "percentile": row[0],
                "customers": row[1],
                "revenue_lorenz": f(row[2]),
                "revenue_top": f(row[3]),
                "margin_lorenz": f(row[4]),
                "margin_top": f(row[5]),
            }
            for row in rows
        ],
    }
