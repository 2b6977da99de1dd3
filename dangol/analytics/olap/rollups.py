"""Pre-aggregated rollups of ``fact_sales_valid``, rebuilt at every warehouse refresh.

Every rollup is exact. Sums (revenue, margin, quantity) add up along every dimension.
Distinct counts do not, so each rollup records along which dimensions its ``orders`` and
``customers`` columns may not be summed, and the router only uses a column when the
query keeps those dimensions apart (groups by them, or filters them to one value):

- ``orders``: an order has one date, customer and channel but may hold several
  categories, so it adds up along everything except ``category_l1``.
- ``customers``: a customer has one gender, age band, region, group, tier and segment
  (dimension attributes at refresh time), so it adds up along those, but not along time
  (the query's period must be the rollup's grain) nor along ``channel`` (hence rollups
  with and without channel).

A catalogue table ``olap_rollup_catalog`` lists the rollups with their row counts, so the
router prefers the smallest one that covers a query.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from dangol.analytics.olap.model import Dimension

CATALOG_TABLE = "olap_rollup_catalog"
CUSTOMER_ATTRIBUTES = (
    Dimension.GENDER,
    Dimension.AGE_BAND,
    Dimension.REGION,
    Dimension.CUSTOMER_GROUP,
    Dimension.VALUE_TIER,
    Dimension.RFM_SEGMENT,
)
# The fact-side expression of every staged column (f: fact_sales_valid, c: dim_customer,
# p: dim_product).
ROLLUP_SOURCE_COLUMNS: dict[Dimension, str] = {
    Dimension.GENDER: "c.gender",
    Dimension.AGE_BAND: "c.age_band",
    Dimension.REGION: "c.region",
    Dimension.CUSTOMER_GROUP: "c.customer_group",
    Dimension.VALUE_TIER: "c.value_tier",
    Dimension.RFM_SEGMENT: "c.rfm_segment",
    Dimension.CATEGORY_L1: "p.category_l1",
    Dimension.CHANNEL: "f.channel",
}
GRAIN_ORDER = ("all", "year", "quarter", "month", "day")


@dataclass(frozen=True)
class Rollup:
    """One rollup table: its time grain ('all' = no time column) and dimensions."""

    name: str
    grain: str
    dimensions: tuple[Dimension, ...]
    has_customers: bool

    @property
    def orders_pinned(self) -> frozenset[Dimension]:
        """Return the dimensions along which ``orders`` may not be summed."""
        return frozenset({Dimension.CATEGORY_L1} & set(self.dimensions))

    @property
    def customers_pinned(self) -> frozenset[Dimension]:
        """Return the non-time dimensions along which ``customers`` may not be summed."""
        return frozenset({Dimension.CHANNEL, Dimension.CATEGORY_L1} & set(self.dimensions))


# The common combination (region x customer group, with gender and age band) is far
# smaller than the full attribute cross product, so its queries read a few rows. Wider
# combinations (every attribute x category x channel x day) would be nearly as large as
# the facts themselves and save nothing.
_GEO = (Dimension.REGION, Dimension.CUSTOMER_GROUP, Dimension.GENDER, Dimension.AGE_BAND)
_REGION_GROUP = (Dimension.REGION, Dimension.CUSTOMER_GROUP)
ROLLUPS: tuple[Rollup, ...] = (
    Rollup(
        "olap_rollup_day_category",
        "day",
        (*_REGION_GROUP, Dimension.CATEGORY_L1, Dimension.CHANNEL),
        has_customers=False,
    ),
    Rollup(
        "olap_rollup_month_category",
        "month",
        (*_GEO, Dimension.CATEGORY_L1, Dimension.CHANNEL),
        has_customers=False,
    ),
    # Product-side questions (category by month and channel) without customer attributes.
    Rollup(
        "olap_rollup_month_category_channel",
        "month",
        (Dimension.CATEGORY_L1, Dimension.CHANNEL),
        has_customers=False,
    ),
    Rollup(
        "olap_rollup_day_channel", "day", (*_REGION_GROUP, Dimension.CHANNEL), has_customers=True
    ),
    Rollup("olap_rollup_month_channel", "month", (*_GEO, Dimension.CHANNEL), has_customers=True),
    # Without channel, so distinct customers across all channels are exact too.
    Rollup("olap_rollup_month_geo", "month", _GEO, has_customers=True),
    Rollup("olap_rollup_month_customer", "month", CUSTOMER_ATTRIBUTES, has_customers=True),
    Rollup("olap_rollup_quarter_customer", "quarter", CUSTOMER_ATTRIBUTES, has_customers=True),
    Rollup("olap_rollup_year_customer", "year", CUSTOMER_ATTRIBUTES, has_customers=True),
    Rollup("olap_rollup_all_customer", "all", CUSTOMER_ATTRIBUTES, has_customers=True),
)
ROLLUPS_BY_NAME = {rollup.name: rollup for rollup in ROLLUPS}
# Staging: one row per order (and per order and category), customer attributes joined
# once, so each rollup reads a few million narrow rows instead of joining every line.
STAGE_ORDERS = "olap_stage_orders"
STAGE_ORDER_CATEGORIES = "olap_stage_order_categories"


def _stage_sql(name: str, *, by_category: bool) -> str:
    attributes = ", ".join(
        f"COALESCE(CAST({ROLLUP_SOURCE_COLUMNS[d]} AS VARCHAR), '') AS {d.value}"
        for d in CUSTOMER_ATTRIBUTES
    )
    category = (
        ", COALESCE(CAST(p.category_l1 AS VARCHAR), '') AS category_l1" if by_category else ""
    )
    product_join = " LEFT JOIN dim_product p ON p.product_id = f.product_id" if by_category else ""
    return (
        f"CREATE OR REPLACE TEMP TABLE {name} AS "
        f"SELECT f.order_id, f.customer_id, f.order_date, "
        f"COALESCE(CAST(f.channel AS VARCHAR), '') AS channel, {attributes}{category}, "
        f"SUM(f.revenue) AS revenue, SUM(f.margin) AS margin, SUM(f.quantity) AS quantity "
        f"FROM fact_sales_valid f LEFT JOIN dim_customer c ON c.customer_id = f.customer_id"
        f"{product_join} GROUP BY ALL"
    )


def _build_sql(rollup: Rollup) -> str:
    columns = []
    if rollup.grain == "day":
        columns.append("order_date AS period_start")
    elif rollup.grain != "all":
        columns.append(f"CAST(date_trunc('{rollup.grain}', order_date) AS DATE) AS period_start")
    columns += [d.value for d in rollup.dimensions]
    measures = [
        "SUM(revenue) AS revenue",
        "SUM(margin) AS margin",
        "CAST(SUM(quantity) AS BIGINT) AS quantity",
        "COUNT(DISTINCT order_id) AS orders",
    ]
    if rollup.has_customers:
        measures.append("COUNT(DISTINCT customer_id) AS customers")
    source = STAGE_ORDER_CATEGORIES if Dimension.CATEGORY_L1 in rollup.dimensions else STAGE_ORDERS
    return (
        f"CREATE OR REPLACE TABLE {rollup.name} AS "
        f"SELECT {', '.join(columns + measures)} FROM {source} GROUP BY ALL ORDER BY ALL"
    )


def olap_rollups_build(con) -> dict[str, float]:
    """Rebuild every rollup and the catalogue inside ``con`` (a writable warehouse).

    Call it at the end of a warehouse refresh, after the facts and dimensions are final
    and before the new file becomes current. Return the seconds each step took.
    """
    timings: dict[str, float] = {}
    counts: list[tuple[str, int]] = []
    for name, by_category in ((STAGE_ORDERS, False), (STAGE_ORDER_CATEGORIES, True)):
        started = time.perf_counter()
        con.execute(_stage_sql(name, by_category=by_category))
        timings[name] = time.perf_counter() - started
    for rollup in ROLLUPS:
        started = time.perf_counter()
        con.execute(_build_sql(rollup))
        timings[rollup.name] = time.perf_counter() - started
        counts.append(
            (rollup.name, con.execute(f"SELECT count(*) FROM {rollup.name}").fetchone()[0])
        )
    con.execute(f"DROP TABLE {STAGE_ORDERS}")
    con.execute(f"DROP TABLE {STAGE_ORDER_CATEGORIES}")
    con.execute(
        f"CREATE OR REPLACE TABLE {CATALOG_TABLE} (name VARCHAR PRIMARY KEY, row_count BIGINT)"
    )
    con.executemany(f"INSERT INTO {CATALOG_TABLE} VALUES (?, ?)", counts)
    return timings


def olap_rollups_available(con) -> list[tuple[Rollup, int]]:
    """Return the built rollups, smallest first; none when the catalogue is missing."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [CATALOG_TABLE]
    ).fetchone()[0]
    if not exists:
        return []
    rows = con.execute(f"SELECT name, row_count FROM {CATALOG_TABLE}").fetchall()
    built = [(ROLLUPS_BY_NAME[name], count) for name, count in rows if name in ROLLUPS_BY_NAME]
    # Ties go to the coarser grain and the fewer dimensions: fewer rows to sum next time.
    return sorted(
        built,
        key=lambda item: (item[1], GRAIN_ORDER.index(item[0].grain), len(item[0].dimensions)),
    )
