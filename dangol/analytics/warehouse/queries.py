"""Extraction SQL against the operational database (SQLite and PostgreSQL alike).

Each query returns raw source values: timestamps in UTC (naive on output), decimals as
stored. ``{utc:X}``, ``{date:X}``, ``{dec:X}`` and ``{bool:X}`` mark columns each backend renders
in its own way (PostgreSQL: UTC without offset; SQLite: plain text/integers, which also
keeps Python's sqlite3 type converters out of the hot loop). ``{since}`` is replaced by
an ``updated_at`` filter on incremental refreshes; the
only parameter is the high-water mark, bound as ``%(since)s`` (converted per backend).
Identifiers are double-quoted, which both backends accept.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceQuery:
    """One extraction: its staging columns (DuckDB types) and its SELECT."""

    name: str
    columns: tuple[tuple[str, str], ...]
    sql: str
    # The column whose maximum becomes the next high-water mark ('' for none).
    watermark: str = ""
    # The qualified updated_at column an incremental refresh filters on ('' = always full).
    since_column: str = ""
    # Columns that PostgreSQL must render as UTC without an offset.
    utc_columns: tuple[str, ...] = ()


CUSTOMERS = SourceQuery(
    name="customers",
    columns=(
        ("customer_id", "BIGINT"),
        ("kind", "VARCHAR"),
        ("gender", "VARCHAR"),
        ("birth_date", "DATE"),
        ("region", "VARCHAR"),
        ("city", "VARCHAR"),
        ("customer_group", "VARCHAR"),
        ("acquisition_channel", "VARCHAR"),
        ("status", "VARCHAR"),
        ("owner_id", "BIGINT"),
        ("created_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
    ),
    sql="""
        SELECT "c"."id", "c"."kind", "c"."gender", {date:"c"."birth_date"}, "c"."region",
               "c"."city", COALESCE("g"."code", ''), "c"."acquisition_channel",
               "c"."status", "c"."owner_id", {utc:"c"."created_at"}, {utc:"c"."updated_at"}
        FROM "customers_customer" "c"
        LEFT JOIN "customers_customergroup" "g" ON "g"."id" = "c"."customer_group_id"
        {since}
    """,
    watermark="updated_at",
    since_column='"c"."updated_at"',
)

# Scores are written back without touching Customer.updated_at, so they are read whole
# (two short columns; a million rows take well under a second).
SCORES = SourceQuery(
    name="scores",
    columns=(("customer_id", "BIGINT"), ("value_tier", "VARCHAR"), ("rfm_segment", "VARCHAR")),
    sql="""
        SELECT "customer_id", "value_tier", "rfm_segment" FROM "customers_customerscore"
    """,
)

# The catalogue is small (thousands of rows): read whole, so price/category changes
# never need a watermark.
PRODUCTS = SourceQuery(
    name="products",
    columns=(
        ("product_id", "BIGINT"),
        ("sku", "VARCHAR"),
        ("name", "VARCHAR"),
        ("category_path", "VARCHAR"),
        ("unit_price", "DECIMAL(14,2)"),
        ("unit_cost", "DECIMAL(14,2)"),
        ("active", "BOOLEAN"),
    ),
    sql="""
        SELECT "p"."id", "p"."sku", "p"."name", COALESCE("k"."path", ''),
               {dec:"p"."unit_price"}, {dec:"p"."unit_cost"}, {bool:"p"."active"}
        FROM "catalog_product" "p"
        LEFT JOIN "catalog_category" "k" ON "k"."id" = "p"."category_id"
    """,
)

# Changed orders (even those left with no line) so their old lines can be replaced.
ORDERS = SourceQuery(
    name="orders",
    columns=(("order_id", "BIGINT"), ("updated_at", "TIMESTAMP")),
    sql="""
        SELECT "o"."id", {utc:"o"."updated_at"} FROM "sales_order" "o" {since}
    """,
    watermark="updated_at",
    since_column='"o"."updated_at"',
)

# A full refresh reads every line anyway; it needs only the orders' newest updated_at
# (one index lookup) as the next high-water mark, staged as one row with no id.
ORDERS_NEWEST = SourceQuery(
    name="orders",
    columns=ORDERS.columns,
    sql="""
        SELECT NULL, {utc:max("o"."updated_at")} FROM "sales_order" "o"
    """,
)

ORDER_LINES = SourceQuery(
    name="order_lines",
    columns=(
        ("order_line_id", "BIGINT"),
        ("order_id", "BIGINT"),
        ("order_number", "VARCHAR"),
        ("customer_id", "BIGINT"),
        ("product_id", "BIGINT"),
        ("ordered_at", "TIMESTAMP"),
        ("channel", "VARCHAR"),
        ("status", "VARCHAR"),
        ("quantity", "INTEGER"),
        ("unit_price", "DECIMAL(14,2)"),
        ("discount", "DECIMAL(14,2)"),
    ),
    sql="""
        SELECT "l"."id", "o"."id", "o"."number", "o"."customer_id", "l"."product_id",
               {utc:"o"."ordered_at"}, "o"."channel", "o"."status", "l"."quantity",
               {dec:"l"."unit_price"}, {dec:"l"."discount"}
        FROM "sales_orderline" "l"
        JOIN "sales_order" "o" ON "o"."id" = "l"."order_id"
        {since}
    """,
    since_column='"o"."updated_at"',
)

INTERACTIONS = SourceQuery(
    name="interactions",
    columns=(
        ("interaction_id", "BIGINT"),
        ("customer_id", "BIGINT"),
        ("occurred_at", "TIMESTAMP"),
        ("channel", "VARCHAR"),
        ("direction", "VARCHAR"),
        ("outcome", "VARCHAR"),
        ("user_id", "BIGINT"),
        ("updated_at", "TIMESTAMP"),
    ),
    sql="""
        SELECT "i"."id", "i"."customer_id", {utc:"i"."occurred_at"}, "i"."channel",
               "i"."direction", "i"."outcome", "i"."user_id", {utc:"i"."updated_at"}
        FROM "touchpoints_interaction" "i"
        {since}
    """,
    watermark="updated_at",
    since_column='"i"."updated_at"',
)


def _ids(name: str, table: str) -> SourceQuery:
    return SourceQuery(name=name, columns=(("id", "BIGINT"),), sql=f'SELECT "id" FROM "{table}"')


# Every live id, read on incremental refreshes to find rows deleted since the last one.
CUSTOMER_IDS = _ids("customer_ids", "customers_customer")
ORDER_IDS = _ids("order_ids", "sales_order")
INTERACTION_IDS = _ids("interaction_ids", "touchpoints_interaction")
