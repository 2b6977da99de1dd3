"""Profitability per customer, per product and per customer x category (level 1).

profit = revenue - cost of goods - cost to serve, over ``fact_sales_valid`` and
``fact_interactions`` in a window ending at ``as_of``. The contract's ``revenue`` is
already net of discounts (gross - discount), so discounts are reported but not
subtracted a second time. Cost to serve = interactions by channel x a configurable cost
per channel (``DANGOL_COST_PER_INTERACTION``); it is a customer's cost, so the product and
category views spread it over the customer's purchases in proportion to revenue.
See docs/analytics.md, "Profitability".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pyarrow as pa
from django.conf import settings

from dangol.analytics.errors import AnalyticsErrorCode, ValidationError
from dangol.analytics.rfm import fetch_arrow, rfm_window_days

# Won per interaction: rough handling costs of a small Korean business (visits dearest).
DEFAULT_COST_PER_INTERACTION: dict[str, Decimal] = {
    "email": Decimal("300"),
    "sms": Decimal("100"),
    "chat": Decimal("1000"),
    "web": Decimal("200"),
    "phone": Decimal("3000"),
    "fax": Decimal("1000"),
    "store_visit": Decimal("5000"),
    "field_visit": Decimal("30000"),
}

BY_CHOICES = ("customer", "product", "customer-category")


def cost_per_interaction(costs: dict[str, object] | None = None) -> dict[str, Decimal]:
    """Return the cost per interaction channel: ``costs``, the setting, or the defaults."""
    value = costs
    if value is None:
        value = getattr(settings, "DANGOL_COST_PER_INTERACTION", None)
        if value is None:
            value = DEFAULT_COST_PER_INTERACTION
    try:
        out = {str(k): Decimal(str(v)) for k, v in dict(value).items()}
    except (TypeError, ValueError, ArithmeticError):
        out = None
    if out is None or any(v < 0 for v in out.values()):
        raise ValidationError(
            "Costs per interaction must map channels to non-negative amounts",
            code=AnalyticsErrorCode.INVALID_PARAMETER,
            field="costs",
        )
    return out


def _cost_table(con: duckdb.DuckDBPyConnection, costs: dict[str, Decimal]) -> None:
    # A connection-local temp table: read-only warehouse connections may still create them.
    con.execute("CREATE OR REPLACE TEMP TABLE _serve_cost (channel VARCHAR, cost DECIMAL(14,2))")
    if costs:
        con.executemany("INSERT INTO _serve_cost VALUES (?, ?)", [(k, v) for k, v in costs.items()])


_CTE = """
    sales AS (
        SELECT * FROM fact_sales_valid
        WHERE order_date <= $as_of::DATE AND order_date > $as_of::DATE - $window_days::INTEGER
    ), serve AS (
        SELECT i.customer_id, count(*) AS interactions,
               sum(coalesce(c.cost, 0))::DECIMAL(18,2) AS cost_to_serve
        FROM fact_interactions i LEFT JOIN _serve_cost c ON c.channel = i.channel
        WHERE i.occurred_date <= $as_of::DATE
          AND i.occurred_date > $as_of::DATE - $window_days::INTEGER
        GROUP BY i.customer_id
    ), cust_rev AS (
        SELECT customer_id, sum(revenue) AS revenue FROM sales GROUP BY customer_id
    )
"""

_CUSTOMER_SQL = f"""
    WITH {_CTE}, s AS (
        SELECT customer_id, sum(gross) AS gross, sum(discount) AS discount,
               sum(revenue) AS revenue, sum(cost) AS cogs, sum(margin) AS margin,
               count(DISTINCT order_id) AS orders
        FROM sales GROUP BY customer_id
    )
    SELECT coalesce(s.customer_id, v.customer_id) AS customer_id,
           coalesce(s.orders, 0) AS orders,
           coalesce(v.interactions, 0) AS interactions,
           coalesce(s.gross, 0) AS gross, coalesce(s.discount, 0) AS discount,
           coalesce(s.revenue, 0) AS revenue, coalesce(s.cogs, 0) AS cogs,
           coalesce(s.margin, 0) AS margin,
           coalesce(v.cost_to_serve, 0) AS cost_to_serve,
           coalesce(s.margin, 0) - coalesce(v.cost_to_serve, 0) AS profit
    FROM s FULL OUTER JOIN serve v ON v.customer_id = s.customer_id
"""

# Cost to serve per line: the customer's cost x the line's share of the customer's revenue.
# A customer whose window revenue is zero has nothing to spread it over: that cost appears
# only in the customer view.
_LINES = f"""
    WITH {_CTE}, lines AS (
        SELECT s.*, coalesce(v.cost_to_serve * s.revenue / nullif(r.revenue, 0), 0)
                   AS serve_share
        FROM sales s JOIN cust_rev r USING (customer_id)
        LEFT JOIN serve v USING (customer_id)
    )
"""

_SUMS = """
    sum(gross) AS gross, sum(discount) AS discount, sum(revenue) AS revenue,
    sum(cost) AS cogs, sum(margin) AS margin,
    round(sum(serve_share), 2)::DECIMAL(18,2) AS cost_to_serve,
    sum(margin) - round(sum(serve_share), 2)::DECIMAL(18,2) AS profit
"""

_PRODUCT_SQL = f"""
    {_LINES}
    SELECT l.product_id, any_value(p.sku) AS sku, any_value(p.name) AS name,
           coalesce(any_value(p.category_l1), '') AS category_l1,
           sum(l.quantity)::BIGINT AS quantity, {_SUMS}
    FROM lines l LEFT JOIN dim_product p ON p.product_id = l.product_id
    GROUP BY l.product_id
"""

_CATEGORY_SQL = f"""
    {_LINES}
    SELECT l.customer_id, coalesce(p.category_l1, '') AS category_l1,
           sum(l.quantity)::BIGINT AS quantity, {_SUMS}
    FROM lines l LEFT JOIN dim_product p ON p.product_id = l.product_id
    GROUP BY l.customer_id, coalesce(p.category_l1, '')
"""

_KEYS = {
    "customer": (_CUSTOMER_SQL, "customer_id"),
    "product": (_PRODUCT_SQL, "product_id"),
    "customer-category": (_CATEGORY_SQL, "customer_id, category_l1"),
}


def profitability(
    *,
    con: duckdb.DuckDBPyConnection,
    by: str,
    as_of: dt.date,
    window_days: int | None = None,
    costs: dict[str, object] | None = None,
    top: int | None = None,
) -> pa.Table:
    """Return profit rows ranked by profit (highest first), with a ``rank`` column.

    ``by`` is customer, product or customer-category. Columns: the key(s), quantity or
    orders/interactions, gross, discount, revenue, cogs, margin (= revenue - cogs),
    cost_to_serve, profit (= margin - cost_to_serve), rank. ``top`` keeps the first N.
    """
    if by not in _KEYS:
        raise ValidationError(
            f"by must be one of {', '.join(BY_CHOICES)}, not {by!r}",
            code=AnalyticsErrorCode.INVALID_PARAMETER,
            field="by",
        )
    if top is not None and top < 1:
        raise ValidationError(
            "top must be at least 1", code=AnalyticsErrorCode.INVALID_PARAMETER, field="top"
        )
    _cost_table(con, cost_per_interaction(costs))
    sql, key = _KEYS[by]
    limit = f"LIMIT {int(top)}" if top is not None else ""
    ranked = f"""
        SELECT *, row_number() OVER (ORDER BY profit DESC, {key}) AS rank FROM ({sql})
        ORDER BY rank {limit}
    """
    params = {"as_of": as_of, "window_days": rfm_window_days(window_days)}
    return fetch_arrow(con, ranked, params)
