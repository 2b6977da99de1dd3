"""SQL for an ``OlapQuery``: the router and the statement builder.

All SQL text comes from the fixed expressions below, chosen by enum members; user
values (filters, dates, the limit) only ever travel as bound ``?`` parameters.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from dangol.analytics.olap.custom_measures import (
    custom_select,
    custom_targets,
    raw_columns,
)
from dangol.analytics.olap.custom_measures import measure_value as custom_measure_value
from dangol.analytics.olap.model import (
    PERIOD_DIMENSIONS,
    CustomDimension,
    CustomMeasure,
    Dimension,
    Measure,
    OlapQuery,
)
from dangol.analytics.olap.rollups import Rollup

FACT_SOURCE = "fact"
FACT_CUSTOMER_JOIN = " LEFT JOIN dim_customer c ON c.customer_id = f.customer_id"
FACT_PRODUCT_JOIN = " LEFT JOIN dim_product p ON p.product_id = f.product_id"
FACT_COLUMNS: dict[Dimension, str] = {
    Dimension.GENDER: "c.gender",
    Dimension.AGE_BAND: "c.age_band",
    Dimension.REGION: "c.region",
    Dimension.CITY: "c.city",
    Dimension.CUSTOMER_GROUP: "c.customer_group",
    Dimension.CUSTOMER_KIND: "c.kind",
    Dimension.ACQUISITION_CHANNEL: "c.acquisition_channel",
    Dimension.VALUE_TIER: "c.value_tier",
    Dimension.RFM_SEGMENT: "c.rfm_segment",
    Dimension.CATEGORY_L1: "p.category_l1",
    Dimension.CATEGORY_L2: "p.category_l2",
    Dimension.CATEGORY_L3: "p.category_l3",
    Dimension.CHANNEL: "f.channel",
}
# Period labels sort as text: 2025-03-07, 2025-W10, 2025-03, 2025-Q1, 2025.
PERIOD_LABELS: dict[Dimension, str] = {
    Dimension.DAY: "strftime({d}, '%Y-%m-%d')",
    # Not strftime '%G-W%V': the ISO parts by name transpile to Spark (sqlglot) as well.
    Dimension.WEEK: "CAST(isoyear({d}) AS VARCHAR) || '-W' "
    "|| lpad(CAST(weekofyear({d}) AS VARCHAR), 2, '0')",
    Dimension.MONTH: "strftime({d}, '%Y-%m')",
    Dimension.QUARTER: "strftime({d}, '%Y') || '-Q' || CAST(quarter({d}) AS VARCHAR)",
    Dimension.YEAR: "strftime({d}, '%Y')",
}
# Which period dimensions a rollup grain can produce by grouping its period_start.
GRAIN_DERIVES: dict[str, frozenset[Dimension]] = {
    "day": frozenset(PERIOD_DIMENSIONS),
    "month": frozenset({Dimension.MONTH, Dimension.QUARTER, Dimension.YEAR}),
    "quarter": frozenset({Dimension.QUARTER, Dimension.YEAR}),
    "year": frozenset({Dimension.YEAR}),
    "all": frozenset(),
}
FACT_AGGREGATES = {
    Measure.REVENUE: "SUM(f.revenue)",
    Measure.MARGIN: "SUM(f.margin)",
    Measure.QUANTITY: "CAST(SUM(f.quantity) AS BIGINT)",
    Measure.ORDERS: "COUNT(DISTINCT f.order_id)",
    Measure.CUSTOMERS: "COUNT(DISTINCT f.customer_id)",
}
ROLLUP_AGGREGATES = {
    Measure.REVENUE: "SUM(revenue)",
    Measure.MARGIN: "SUM(margin)",
    Measure.QUANTITY: "CAST(SUM(quantity) AS BIGINT)",
    Measure.ORDERS: "CAST(SUM(orders) AS BIGINT)",
    Measure.CUSTOMERS: "CAST(SUM(customers) AS BIGINT)",
}
BASE_MEASURES = (
    Measure.REVENUE,
    Measure.MARGIN,
    Measure.ORDERS,
    Measure.CUSTOMERS,
    Measure.QUANTITY,
)


@dataclass(frozen=True)
class Window:
    """What one pass reads: the query's grouping and filters over one date range."""

    query: OlapQuery
    date_from: date | None
    date_to: date | None


def _month_start(day: date) -> bool:
    return day.day == 1


def _aligned(grain: str, start: date | None, end: date | None) -> bool:
    """Return whether [start, end] covers whole periods of ``grain``."""
    if grain == "day":
        return True
    if grain == "all":
        return start is None and end is None
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    if start is not None and not (_month_start(start) and (start.month - 1) % months == 0):
        return False
    if end is not None:
        last = calendar.monthrange(end.year, end.month)[1]
        if end.day != last or end.month % months != 0:
            return False
    return True


def _pinned_ok(window: Window, pinned: frozenset[Dimension]) -> bool:
    query = window.query
    return all(d in query.by or len(query.filters.get(d, ())) == 1 for d in pinned)


def rollup_covers(rollup: Rollup, window: Window, measure: Measure) -> bool:
    """Return whether ``rollup`` answers ``measure`` for ``window`` exactly."""
    query = window.query
    used = set(query.by) | set(query.filters)
    periods = {d for d in used if d in PERIOD_DIMENSIONS}
    others = used - periods
    if not others <= set(rollup.dimensions):
        return False
    if not periods <= GRAIN_DERIVES[rollup.grain]:
        return False
    if not _aligned(rollup.grain, window.date_from, window.date_to):
        return False
    if measure == Measure.ORDERS:
        return _pinned_ok(window, rollup.orders_pinned)
    if measure == Measure.CUSTOMERS:
        if not rollup.has_customers or not _pinned_ok(window, rollup.customers_pinned):
            return False
        # Distinct customers do not add up over time: group by exactly the grain.
        if rollup.grain == "all":
            return not periods
        return query.period_dimension is not None and query.period_dimension.value == rollup.grain
    return True


def route(window: Window, rollups: list[Rollup]) -> dict[str, list[Measure]]:
    """Return source name → measures, using the first (smallest) covering rollup."""
    plan: dict[str, list[Measure]] = {}
    for measure in _base_measures(window.query):
        source = next((r.name for r in rollups if rollup_covers(r, window, measure)), FACT_SOURCE)
        plan.setdefault(source, []).append(measure)
    return plan


def _base_measures(query: OlapQuery) -> list[Measure]:
    wanted = set(query.measures)
    if Measure.AOV in wanted:
        wanted |= {Measure.REVENUE, Measure.ORDERS}
    return [m for m in BASE_MEASURES if m in wanted]


def _dimension_sql(dimension: Dimension, *, fact: bool) -> str:
    if dimension in PERIOD_DIMENSIONS:
        column = "f.order_date" if fact else "period_start"
        return PERIOD_LABELS[dimension].format(d=column)
    if isinstance(dimension, CustomDimension):
        # A custom field's column of dim_customer or dim_product (facts only: rollups do
        # not hold them, so the router never picks one for a query naming a field).
        column = dimension.field.column
    else:
        column = FACT_COLUMNS[dimension] if fact else dimension.value
    return f"COALESCE(CAST({column} AS VARCHAR), '')"


def _alias(dimension: Dimension) -> str:
    """Return the table alias a fact-side dimension reads ("c", "p" or "f")."""
    if isinstance(dimension, CustomDimension):
        return dimension.field.target.olap_alias
    return FACT_COLUMNS.get(dimension, "f.")[0]


def _fact_from(query: OlapQuery, *also: str) -> str:
    """Return the fact table with only the dimension tables the query (and ``also``) need."""
    used = {_alias(d) for d in (*query.by, *query.filters)} | set(also)
    return (
        "fact_sales_valid f"
        + (FACT_CUSTOMER_JOIN if "c" in used else "")
        + (FACT_PRODUCT_JOIN if "p" in used else "")
    )


def _window_where(window: Window, date_column: str, params: list, *, fact: bool) -> str:
    """Return the WHERE clause of ``window``'s dates and filters, binding their values."""
    where = []
    if window.date_from is not None:
        where.append(f"{date_column} >= ?")
        params.append(window.date_from)
    if window.date_to is not None:
        where.append(f"{date_column} <= ?")
        params.append(window.date_to)
    for dimension, values in window.query.filters.items():
        where.append(f"list_contains(CAST(? AS VARCHAR[]), {_dimension_sql(dimension, fact=fact)})")
        params.append(list(values))
    return " WHERE " + " AND ".join(where) if where else ""


def _source_select(window: Window, source: str, measures: list[Measure], params: list) -> str:
    fact = source == FACT_SOURCE
    query = window.query
    aggregates = FACT_AGGREGATES if fact else ROLLUP_AGGREGATES
    columns = [f'{_dimension_sql(d, fact=fact)} AS "{d.value}"' for d in query.by]
    columns += [
        f'{aggregates[m]} AS "{m.value}"' if m in measures else f'NULL AS "{m.value}"'
        for m in _base_measures(query)
    ]
    sql = f"SELECT {', '.join(columns)} FROM {_fact_from(query) if fact else source}"
    sql += _window_where(window, "f.order_date" if fact else "period_start", params, fact=fact)
    return sql + (" GROUP BY ALL" if query.by else "")


def _sum_type(measure: Measure) -> str:
    return "DECIMAL(38,2)" if measure in (Measure.REVENUE, Measure.MARGIN) else "BIGINT"


def window_sql(window: Window, plan: dict[str, list[Measure]], params: list) -> str:
    """Return one SELECT of the query's dimensions and base measures for ``window``.

    Each source answers some measures; their rows are stacked and summed per group (every
    measure comes from exactly one source, so the sum only fills in the gaps).
    """
    query = window.query
    parts = [_source_select(window, source, measures, params) for source, measures in plan.items()]
    raw = raw_columns(query)
    if len(parts) == 1 and not raw:
        return parts[0]
    dims = ", ".join(f'"{d.value}"' for d in query.by)
    sums = ", ".join(
        f'CAST(SUM("{m.value}") AS {_sum_type(m)}) AS "{m.value}"' for m in _base_measures(query)
    )
    if raw:
        # Custom-field measures come from their own per-customer (per-product) passes,
        # stacked like sources.
        nulls = ", ".join(f'NULL AS "{name}"' for name, _kind in raw)
        parts = [f"SELECT *, {nulls} FROM ({part}) b" for part in parts]
        base_names = [m.value for m in _base_measures(query)]
        parts += [custom_select(window, t, base_names, params) for t in custom_targets(query)]
        raw_sums = ", ".join(f'CAST(SUM("{name}") AS {kind}) AS "{name}"' for name, kind in raw)
        sums = f"{sums}, {raw_sums}" if sums else raw_sums
    union = " UNION ALL ".join(f"({part})" for part in parts)
    select = f"{dims}, {sums}" if dims else sums
    return f"SELECT {select} FROM ({union}) u" + (f" GROUP BY {dims}" if dims else "")


def previous_range(start: date, end: date) -> tuple[date, date]:
    """Return the previous period of equal length: whole months shift by months."""
    if _aligned("month", start, end):
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        index = start.year * 12 + start.month - 1 - months
        return date(index // 12, index % 12 + 1, 1), start - timedelta(days=1)
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def _measure_value(measure: Measure, prefix: str) -> str:
    if isinstance(measure, CustomMeasure):
        return custom_measure_value(measure, prefix)
    if measure == Measure.AOV:
        return f'CAST({prefix}"revenue" / NULLIF({prefix}"orders", 0) AS DECIMAL(18,2))'
    return f'COALESCE({prefix}"{measure.value}", 0)'


def query_sql(query: OlapQuery, rollups: list[Rollup]) -> tuple[str, list, list[str], list[str]]:
    """Return (SQL, parameters, output column names, sources used) for ``query``."""
    params: list = []
    current = Window(query, query.date_from, query.date_to)
    plan = route(current, rollups)
    sources = list(plan)
    if raw_columns(query) and FACT_SOURCE not in sources:
        sources.append(FACT_SOURCE)
    inner = window_sql(current, plan, params)
    dims = [d.value for d in query.by]
    dim_cols = [f'cur."{d}"' if query.compare_previous else f'"{d}"' for d in dims]
    columns = list(dims)
    if not query.compare_previous:
        select = [*dim_cols]
        for m in query.measures:
            select.append(f'{_measure_value(m, "")} AS "{m.value}"')
            columns.append(m.value)
        sql = f"SELECT {', '.join(select)} FROM ({inner}) cur"
    else:
        prev_from, prev_to = previous_range(query.date_from, query.date_to)
        previous = Window(query, prev_from, prev_to)
        prev_plan = route(previous, rollups)
        sources += [s for s in prev_plan if s not in sources]
        prev_sql = window_sql(previous, prev_plan, params)
        select = [f'COALESCE(cur."{d}", prev."{d}") AS "{d}"' for d in dims]
        for m in query.measures:
            now, before = _measure_value(m, "cur."), _measure_value(m, "prev.")
            select += [
                f'{now} AS "{m.value}"',
                f'{before} AS "{m.value}_previous"',
                f'{now} - {before} AS "{m.value}_change"',
                f"CAST(({now} - {before}) * 100.0 / NULLIF({before}, 0) AS DECIMAL(18,2)) "
                f'AS "{m.value}_change_pct"',
            ]
            columns += [
                m.value,
                f"{m.value}_previous",
                f"{m.value}_change",
                f"{m.value}_change_pct",
            ]
        on = " AND ".join(f'cur."{d}" = prev."{d}"' for d in dims) or "TRUE"
        sql = (
            f"SELECT {', '.join(select)} FROM ({inner}) cur "
            f"FULL OUTER JOIN ({prev_sql}) prev ON {on}"
        )
    order = _order_clause(query)
    sql = f"SELECT * FROM ({sql}) r{order}"
    if query.top_n is not None:
        sql += " LIMIT ?"
        params.append(query.top_n)
    return sql, params, columns, sources


def _order_clause(query: OlapQuery) -> str:
    keys = []
    if query.order_by is not None:
        name, descending = query.order_by
        keys.append(f'"{name}" {"DESC" if descending else "ASC"} NULLS LAST')
    elif query.top_n is not None:
        keys.append(f'"{query.measures[0].value}" DESC NULLS LAST')
    keys += [f'"{d.value}" ASC' for d in query.by]
    return f" ORDER BY {', '.join(keys)}" if keys else ""
