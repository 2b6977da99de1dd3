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
# the facts themselves and save nothing: the category rollups keep region and group only
# (a category by gender query reads the facts).
_GEO = (Dimension.REGION, Dimension.CUSTOMER_GROUP, Dimension.GENDER, Dimension.AGE_BAND)
_REGION_GROUP = (Dimension.REGION, Dimension.CUSTOMER_GROUP)
ROLLUPS: tuple[Rollup, ...] = (
    Rollup(
        "olap_rollup_day_category",
        "day",
        (Dimension.CATEGORY_L1, Dimension.CHANNEL),
        has_customers=False,
    ),
    Rollup(
        "olap_rollup_month_category",
        "month",
        (*_REGION_GROUP, Dimension.CATEGORY_L1, Dimension.CHANNEL),
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

# How the build stays cheap: the 10M lines are read twice, once grouped per order and once
# per order and category (order-level columns taken with any_value: the refresh copies
# them from the order onto each line). Each customer is mapped to a small integer
# "profile", one per distinct combination of the six customer attributes (tens of
# thousands at most), and to a "geo" code (region x customer group); categories and
# channels get small integer codes too, so every grouping over millions of rows has only
# integer keys. Distinct customers are counted on tables with one row per customer and
# period (and channel), which shrink step by step (day -> month -> quarter -> year ->
# all); the attribute strings are joined back only onto small results. No statement
# groups the joined lines by string keys, and none sorts its output.
_ATTRS = ", ".join(d.value for d in CUSTOMER_ATTRIBUTES)
_GEO_COLS = ", ".join(d.value for d in _GEO)
# Staged sums stay DECIMAL(18,2) / BIGINT (64-bit arithmetic, not 128-bit): 10^16 won per
# group is far beyond any total, and DuckDB raises rather than wraps on overflow.
_SUMS = (
    "CAST(SUM(revenue) AS DECIMAL(18,2)) AS revenue, CAST(SUM(margin) AS DECIMAL(18,2)) AS margin, "
    "CAST(SUM(quantity) AS BIGINT) AS quantity"
)
_ROLLUP_SUMS = (
    "SUM(revenue) AS revenue, SUM(margin) AS margin, CAST(SUM(quantity) AS BIGINT) AS quantity, "
    "CAST(SUM(orders) AS BIGINT) AS orders"
)
_WITH_CUSTOMERS = _ROLLUP_SUMS + ", CAST(SUM(customers) AS BIGINT) AS customers"
_VALUES = "revenue, margin, quantity, orders"


def _trunc(grain: str, column: str = "order_date") -> str:
    return f"CAST(date_trunc('{grain}', {column}) AS DATE)"


def _attributes(prefix: str = "") -> str:
    return ", ".join(
        f"COALESCE(CAST({prefix}{d.value} AS VARCHAR), '') AS {d.value}"
        for d in CUSTOMER_ATTRIBUTES
    )


def _code(column: str) -> str:
    """Return a SMALLINT code per distinct value of ``column`` (1, 2, ...)."""
    return f"CAST(row_number() OVER () AS SMALLINT) AS {column}"


# A fact's channel and category as their labels in the rollups ('' for none).
_CHANNEL_LABEL = "COALESCE(CAST(f.channel AS VARCHAR), '')"
# The code of '' (no category: a product without one, or a line whose product is gone).
_NO_CATEGORY = "(SELECT cat FROM s_categories WHERE category_l1 = '')"
# The geo code of region '' and group '' (facts whose customer is missing: profile 0).
_NO_GEO = "(SELECT geo FROM s_profile_geo WHERE profile_id = 0)"

# (name, SELECT) in build order; names starting with olap_rollup_ are the rollups, the
# others temp staging tables dropped at the end. Profile 0 (every attribute '') takes
# facts whose customer is missing from dim_customer.
_on = " AND ".join(f"p.{d.value} = c.{d.value}" for d in CUSTOMER_ATTRIBUTES)
_BUILD: tuple[tuple[str, str], ...] = (
    (
        "s_profiles",
        f"SELECT CAST(row_number() OVER () AS INTEGER) AS profile_id, * "
        f"FROM (SELECT DISTINCT {_attributes()} FROM dim_customer) "
        f"UNION ALL SELECT 0, {', '.join(repr('') for _ in CUSTOMER_ATTRIBUTES)}",
    ),
    (
        "s_geo",
        f"SELECT {_code('geo')}, region, customer_group "
        f"FROM (SELECT DISTINCT region, customer_group FROM s_profiles)",
    ),
    (
        "s_profile_geo",
        "SELECT p.profile_id, g.geo FROM s_profiles p JOIN s_geo g USING (region, customer_group)",
    ),
    (
        "s_customer_profile",
        f"SELECT c.customer_id, p.profile_id, pg.geo FROM (SELECT customer_id, {_attributes()} "
        f"FROM dim_customer) c JOIN s_profiles p ON {_on} "
        f"JOIN s_profile_geo pg ON pg.profile_id = p.profile_id WHERE p.profile_id > 0",
    ),
    (
        "s_categories",
        f"SELECT {_code('cat')}, category_l1 FROM (SELECT DISTINCT "
        f"COALESCE(CAST(category_l1 AS VARCHAR), '') AS category_l1 FROM dim_product "
        f"UNION SELECT '')",
    ),
    (
        "s_product_category",
        "SELECT p.product_id, k.cat FROM dim_product p "
        "JOIN s_categories k ON k.category_l1 = COALESCE(CAST(p.category_l1 AS VARCHAR), '')",
    ),
    (
        "s_channels",
        f"SELECT {_code('ch')}, channel "
        f"FROM (SELECT DISTINCT {_CHANNEL_LABEL} AS channel FROM fact_sales_valid f)",
    ),
    (
        "s_orders",
        f"SELECT o.*, COALESCE(cp.profile_id, 0) AS profile_id FROM ("
        f"SELECT f.order_id, any_value(f.customer_id) AS customer_id, "
        f"any_value(f.order_date) AS order_date, any_value(h.ch) AS ch, {_SUMS} "
        f"FROM fact_sales_valid f JOIN s_channels h ON h.channel = {_CHANNEL_LABEL} "
        f"GROUP BY f.order_id) o LEFT JOIN s_customer_profile cp USING (customer_id)",
    ),
    # Only region and group matter per (order, category): the geo code, not the profile.
    (
        "s_order_categories",
        f"SELECT o.order_date, o.ch, o.cat, COALESCE(cp.geo, {_NO_GEO}) AS geo, "
        f"o.revenue, o.margin, o.quantity FROM ("
        f"SELECT f.order_id, COALESCE(pc.cat, {_NO_CATEGORY}) AS cat, "
        f"any_value(f.customer_id) AS customer_id, any_value(f.order_date) AS order_date, "
        f"any_value(h.ch) AS ch, {_SUMS} FROM fact_sales_valid f "
        f"JOIN s_channels h ON h.channel = {_CHANNEL_LABEL} "
        f"LEFT JOIN s_product_category pc ON pc.product_id = f.product_id "
        f"GROUP BY f.order_id, 2) o LEFT JOIN s_customer_profile cp USING (customer_id)",
    ),
    # Categories: every staged row is one (order, category), so count(*) counts orders.
    (
        "olap_rollup_day_category",
        f"SELECT order_date AS period_start, k.category_l1, h.channel, {_VALUES} FROM ("
        f"SELECT order_date, cat, ch, {_SUMS}, count(*) AS orders "
        f"FROM s_order_categories GROUP BY ALL) "
        f"JOIN s_categories k USING (cat) JOIN s_channels h USING (ch)",
    ),
    (
        "olap_rollup_month_category",
        f"SELECT period_start, g.region, g.customer_group, k.category_l1, h.channel, {_VALUES} "
        f"FROM (SELECT {_trunc('month')} AS period_start, geo, cat, ch, {_SUMS}, "
        f"count(*) AS orders FROM s_order_categories GROUP BY ALL) "
        f"JOIN s_geo g USING (geo) JOIN s_categories k USING (cat) JOIN s_channels h USING (ch)",
    ),
    (
        "olap_rollup_month_category_channel",
        f"SELECT period_start, category_l1, channel, {_ROLLUP_SUMS} "
        f"FROM olap_rollup_month_category GROUP BY ALL",
    ),
    # Customers: one row per customer and day and channel, then coarser.
    (
        "s_customer_day_channel",
        f"SELECT customer_id, profile_id, order_date, ch, {_SUMS}, count(*) AS orders "
        f"FROM s_orders GROUP BY ALL",
    ),
    (
        "olap_rollup_day_channel",
        f"SELECT period_start, g.region, g.customer_group, h.channel, {_VALUES}, customers "
        f"FROM (SELECT order_date AS period_start, pg.geo, ch, {_ROLLUP_SUMS}, "
        f"count(*) AS customers FROM s_customer_day_channel "
        f"JOIN s_profile_geo pg USING (profile_id) GROUP BY ALL) "
        f"JOIN s_geo g USING (geo) JOIN s_channels h USING (ch)",
    ),
    (
        "s_customer_month_channel",
        f"SELECT customer_id, profile_id, {_trunc('month')} AS period_start, ch, "
        f"{_SUMS}, SUM(orders) AS orders FROM s_customer_day_channel GROUP BY ALL",
    ),
    (
        "olap_rollup_month_channel",
        f"SELECT period_start, {_GEO_COLS}, h.channel, {_WITH_CUSTOMERS} FROM ("
        f"SELECT period_start, ch, profile_id, {_SUMS}, SUM(orders) AS orders, "
        f"count(*) AS customers FROM s_customer_month_channel GROUP BY ALL) "
        f"JOIN s_profiles USING (profile_id) JOIN s_channels h USING (ch) GROUP BY ALL",
    ),
)


def _customer_grain(grain: str, source: str) -> tuple[tuple[str, str], ...]:
    """Return the steps of the all-attributes rollup at ``grain`` from ``source``.

    ``source`` has one row per customer and finer period; grouping it per customer and
    ``grain`` gives one row per customer and period, then per profile (counting them).
    """
    period = "" if grain == "all" else f"{_trunc(grain, 'period_start')} AS period_start, "
    keys = "" if grain == "all" else "period_start, "
    return (
        (
            f"s_customer_{grain}",
            f"SELECT customer_id, profile_id, {period}{_SUMS}, SUM(orders) AS orders "
            f"FROM {source} GROUP BY ALL",
        ),
        (
            f"s_profile_{grain}",
            f"SELECT {keys}profile_id, {_SUMS}, SUM(orders) AS orders, count(*) AS customers "
            f"FROM s_customer_{grain} GROUP BY ALL",
        ),
        (
            f"olap_rollup_{grain}_customer",
            # One row per period and profile, and profiles have distinct attributes.
            f"SELECT {keys}{_ATTRS}, revenue, margin, CAST(quantity AS BIGINT) AS quantity, "
            f"CAST(orders AS BIGINT) AS orders, CAST(customers AS BIGINT) AS customers "
            f"FROM s_profile_{grain} JOIN s_profiles USING (profile_id)",
        ),
    )


_BUILD += (
    (
        "s_customer_month",
        f"SELECT customer_id, profile_id, period_start, {_SUMS}, SUM(orders) AS orders "
        f"FROM s_customer_month_channel GROUP BY ALL",
    ),
    (
        "s_profile_month",
        f"SELECT period_start, profile_id, {_SUMS}, SUM(orders) AS orders, "
        f"count(*) AS customers FROM s_customer_month GROUP BY ALL",
    ),
    (
        "olap_rollup_month_customer",
        f"SELECT period_start, {_ATTRS}, revenue, margin, CAST(quantity AS BIGINT) AS quantity, "
        f"CAST(orders AS BIGINT) AS orders, CAST(customers AS BIGINT) AS customers "
        f"FROM s_profile_month JOIN s_profiles USING (profile_id)",
    ),
    (
        "olap_rollup_month_geo",
        f"SELECT period_start, {_GEO_COLS}, {_WITH_CUSTOMERS} "
        f"FROM s_profile_month JOIN s_profiles USING (profile_id) GROUP BY ALL",
    ),
    *_customer_grain("quarter", "s_customer_month"),
    *_customer_grain("year", "s_customer_quarter"),
    *_customer_grain("all", "s_customer_year"),
)


def olap_rollups_build(con) -> dict[str, float]:
    """Rebuild every rollup and the catalogue inside ``con`` (a writable warehouse).

    Call it at the end of a warehouse refresh, after the facts and dimensions are final
    and before the new file becomes current. Return the seconds each step took.
    """
    timings: dict[str, float] = {}
    staged: list[str] = []
    for name, select in _BUILD:
        started = time.perf_counter()
        if name in ROLLUPS_BY_NAME:
            con.execute(f"CREATE OR REPLACE TABLE {name} AS {select}")
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")
            staged.append(name)
        timings[name] = time.perf_counter() - started
    for name in staged:
        con.execute(f"DROP TABLE {name}")
    counts = [
        (rollup.name, con.execute(f"SELECT count(*) FROM {rollup.name}").fetchall()[0][0])
        for rollup in ROLLUPS
    ]
    con.execute(
        f"CREATE OR REPLACE TABLE {CATALOG_TABLE} (name VARCHAR PRIMARY KEY, row_count BIGINT)"
    )
    con.executemany(f"INSERT INTO {CATALOG_TABLE} VALUES (?, ?)", counts)
    return timings


def olap_rollups_available(con) -> list[tuple[Rollup, int]]:
    """Return the built rollups, smallest first; none when the catalogue is missing."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [CATALOG_TABLE]
    ).fetchall()[0][0]
    if not exists:
        return []
    rows = con.execute(f"SELECT name, row_count FROM {CATALOG_TABLE}").fetchall()
    built = [(ROLLUPS_BY_NAME[name], count) for name, count in rows if name in ROLLUPS_BY_NAME]
    # Ties go to the coarser grain and the fewer dimensions: fewer rows to sum next time.
    return sorted(
        built,
        key=lambda item: (item[1], GRAIN_ORDER.index(item[0].grain), len(item[0].dimensions)),
    )
