"""SQL of the custom-field measures: a number or money field summed or averaged per group.

A custom field is a customer attribute (a ``cf_<key>`` column of ``dim_customer``), so it
is aggregated over the distinct customers of each group, never over fact rows: the
inner query keeps one row per (group, customer) that has a sale in the window, the
outer one sums the values and counts those that are set. Averages are the sum over the
count, so they stay exact when ``window_sql`` adds partial results up.

Column names come from ``CustomMeasure`` (built from the definitions, keys checked by
``safe_key``) and are double-quoted; dates and filter values are bound parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dangol.analytics.olap.model import PERIOD_DIMENSIONS, CustomDimension, CustomMeasure
from dangol.core.customfields.registry import safe_key

if TYPE_CHECKING:
    from dangol.analytics.olap.sql import Window


def custom_measures(query) -> list[CustomMeasure]:
    """Return the query's custom-field measures, in the order asked."""
    return [m for m in query.measures if isinstance(m, CustomMeasure)]


def custom_columns(query) -> dict[str, bool]:
    """Return ``{cf column: is money}`` of the fields the query's custom measures read."""
    return {m.column: m.money for m in custom_measures(query)}


def raw_names(column: str) -> tuple[str, str]:
    """Return the partial-result columns of ``column``: its sum and its count of values.

    They start with "_": no dimension or measure name does (keys start with a letter).
    """
    key = safe_key(column[3:])
    return f"_sum_cf_{key}", f"_n_cf_{key}"


def raw_sum_type(money: bool) -> str:
    return "DECIMAL(38,2)" if money else "DOUBLE"


def custom_select(window: Window, base_names: list[str], params: list) -> str:
    """Return the SELECT of the query's dimensions, NULL base measures and the raw sums.

    Reads the facts of ``window`` (the same date range and filters as the base measures)
    joined to ``dim_customer``, one row per group and customer.
    """
    from dangol.analytics.olap.sql import (
        FACT_COLUMNS,
        FACT_CUSTOMER_JOIN,
        FACT_PRODUCT_JOIN,
        _dimension_sql,
    )

    query = window.query
    columns = custom_columns(query)
    used = [*query.by, *query.filters]
    needs_product = any(
        not isinstance(d, CustomDimension)
        and d not in PERIOD_DIMENSIONS
        and FACT_COLUMNS[d].startswith("p.")
        for d in used
    )
    source = (
        "fact_sales_valid f" + FACT_CUSTOMER_JOIN + (FACT_PRODUCT_JOIN if needs_product else "")
    )
    inner = [f'{_dimension_sql(d, fact=True)} AS "{d.value}"' for d in query.by]
    inner.append("f.customer_id")
    inner += [f'c."{raw_column}" AS "v{i}"' for i, raw_column in enumerate(columns)]
    where = []
    if window.date_from is not None:
        where.append("f.order_date >= ?")
        params.append(window.date_from)
    if window.date_to is not None:
        where.append("f.order_date <= ?")
        params.append(window.date_to)
    for dimension, values in query.filters.items():
        where.append(f"list_contains(CAST(? AS VARCHAR[]), {_dimension_sql(dimension, fact=True)})")
        params.append(list(values))
    distinct = f"SELECT DISTINCT {', '.join(inner)} FROM {source}"
    if where:
        distinct += " WHERE " + " AND ".join(where)
    outer = [f'"{d.value}"' for d in query.by]
    outer += [f'NULL AS "{name}"' for name in base_names]
    for i, (column, money) in enumerate(columns.items()):
        total, count = raw_names(column)
        outer.append(f'CAST(SUM("v{i}") AS {raw_sum_type(money)}) AS "{total}"')
        outer.append(f'COUNT("v{i}") AS "{count}"')
    sql = f"SELECT {', '.join(outer)} FROM ({distinct}) d"
    return sql + (" GROUP BY ALL" if query.by else "")


def measure_value(measure: CustomMeasure, prefix: str) -> str:
    """Return the expression of ``measure`` over the partial results (``prefix`` a table)."""
    total, count = raw_names(measure.column)
    if measure.aggregate == "sum":
        return f'COALESCE({prefix}"{total}", 0)'
    if measure.money:
        return f'CAST({prefix}"{total}" / NULLIF({prefix}"{count}", 0) AS DECIMAL(18,2))'
    return f'CAST({prefix}"{total}" AS DOUBLE) / NULLIF({prefix}"{count}", 0)'
