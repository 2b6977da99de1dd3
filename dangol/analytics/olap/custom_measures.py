"""SQL of the custom-field measures: a number or money field summed or averaged per group.

A custom field is an attribute of a customer (a ``cf_<key>`` column of ``dim_customer``)
or of a product (of ``dim_product``), so it is aggregated over the distinct customers, or
products, of each group, never over fact rows: per entity, the inner query keeps one row
per (group, customer or product) that has a sale in the window, the outer one sums the
values and counts those that are set. Averages are the sum over the count, so they stay
exact when ``window_sql`` adds partial results up.

Columns come from ``CustomMeasure`` (built from the definitions, keys checked by
``safe_key``) and are double-quoted; dates and filter values are bound parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dangol.analytics.olap.model import CustomMeasure

if TYPE_CHECKING:
    from dangol.analytics.olap.sql import Window
    from dangol.analytics.warehouse.custom_fields import CustomFieldTarget, OlapCustomField


def custom_measures(query) -> list[CustomMeasure]:
    """Return the query's custom-field measures, in the order asked."""
    return [m for m in query.measures if isinstance(m, CustomMeasure)]


def custom_fields_read(query) -> list[OlapCustomField]:
    """Return the fields the query's custom measures read (each once, in order asked)."""
    return list(dict.fromkeys(m.field for m in custom_measures(query)))


def raw_names(field: OlapCustomField) -> tuple[str, str]:
    """Return the partial-result columns of ``field``: its sum and its count of values.

    They start with "_": no dimension or measure name does (keys start with a letter).
    """
    return f"_sum_{field.name}", f"_n_{field.name}"


def raw_columns(query) -> list[tuple[str, str]]:
    """Return (name, SQL type) of every partial-result column of the query, in order."""
    columns = []
    for field in custom_fields_read(query):
        total, count = raw_names(field)
        columns += [(total, raw_sum_type(field.money)), (count, "BIGINT")]
    return columns


def raw_sum_type(money: bool) -> str:
    return "DECIMAL(38,2)" if money else "DOUBLE"


def custom_select(window: Window, target: CustomFieldTarget, base_names: list[str], params: list):
    """Return the SELECT of the query's dimensions, NULL base measures and the raw sums.

    Reads the facts of ``window`` (the same date range and filters as the base measures)
    joined to ``target``'s table, one row per group and customer (or product); the raw
    columns of the other entity's fields are NULL, so the parts stack by position.
    """
    from dangol.analytics.olap.sql import _dimension_sql, _fact_from, _window_where

    query = window.query
    fields = custom_fields_read(query)
    inner = [f'{_dimension_sql(d, fact=True)} AS "{d.value}"' for d in query.by]
    inner.append(f"f.{target.id_column}")
    inner += [
        f'{field.column} AS "v{i}"' for i, field in enumerate(fields) if field.target == target
    ]
    distinct = f"SELECT DISTINCT {', '.join(inner)} FROM {_fact_from(query, target.olap_alias)}"
    distinct += _window_where(window, "f.order_date", params, fact=True)
    outer = [f'"{d.value}"' for d in query.by]
    outer += [f'NULL AS "{name}"' for name in base_names]
    for i, field in enumerate(fields):
        total, count = raw_names(field)
        if field.target != target:
            outer += [f'NULL AS "{total}"', f'NULL AS "{count}"']
            continue
        outer.append(f'CAST(SUM("v{i}") AS {raw_sum_type(field.money)}) AS "{total}"')
        outer.append(f'COUNT("v{i}") AS "{count}"')
    sql = f"SELECT {', '.join(outer)} FROM ({distinct}) d"
    return sql + (" GROUP BY ALL" if query.by else "")


def custom_targets(query) -> list[CustomFieldTarget]:
    """Return the entities whose fields the query's custom measures read (one pass each)."""
    return list(dict.fromkeys(field.target for field in custom_fields_read(query)))


def measure_value(measure: CustomMeasure, prefix: str) -> str:
    """Return the expression of ``measure`` over the partial results (``prefix`` a table)."""
    total, count = raw_names(measure.field)
    if measure.aggregate == "sum":
        return f'COALESCE({prefix}"{total}", 0)'
    if measure.money:
        return f'CAST({prefix}"{total}" / NULLIF({prefix}"{count}", 0) AS DECIMAL(18,2))'
    return f'CAST({prefix}"{total}" AS DOUBLE) / NULLIF({prefix}"{count}", 0)'
