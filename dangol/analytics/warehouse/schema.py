"""The warehouse DDL: the binding contract shared by the warehouse, RFM/tiers and OLAP code.

Change a column here only together with docs/warehouse.md and every reader.
"""

from __future__ import annotations

import duckdb

AGE_BANDS = ("under 20", "20-29", "30-39", "40-49", "50-59", "60+", "unknown")
INVALID_SALES_STATUSES = ("cancelled", "returned")

# The facts carry no PRIMARY KEY: their ids are the operational tables' primary keys
# (unique at the source), and DuckDB's key index made inserting 10M lines about 5x the CPU
# of the insert itself (3.5 s against 0.7 s). The dimensions keep theirs (small).
TABLE_DDL: dict[str, str] = {
    "dim_customer": """
        CREATE TABLE dim_customer (
            customer_id BIGINT PRIMARY KEY,
            kind VARCHAR,
            gender VARCHAR,
            birth_date DATE,
            age_band VARCHAR,
            region VARCHAR,
            city VARCHAR,
            customer_group VARCHAR,
            acquisition_channel VARCHAR,
            status VARCHAR,
            owner_id BIGINT,
            created_at TIMESTAMP,
            first_order_date DATE,
            value_tier VARCHAR,
            rfm_segment VARCHAR
        )""",
    "dim_product": """
        CREATE TABLE dim_product (
            product_id BIGINT PRIMARY KEY,
            sku VARCHAR,
            name VARCHAR,
            category_path VARCHAR,
            category_l1 VARCHAR,
            category_l2 VARCHAR,
            category_l3 VARCHAR,
            unit_price DECIMAL(14,2),
            unit_cost DECIMAL(14,2),
            active BOOLEAN
        )""",
    "dim_date": """
        CREATE TABLE dim_date (
            date_key DATE PRIMARY KEY,
            year INTEGER,
            quarter INTEGER,
            month INTEGER,
            week INTEGER,
            day INTEGER,
            weekday INTEGER,
            year_month VARCHAR,
            year_quarter VARCHAR
        )""",
    "dim_channel": """
        CREATE TABLE dim_channel (
            channel VARCHAR PRIMARY KEY,
            kind VARCHAR
        )""",
    "fact_sales": """
        CREATE TABLE fact_sales (
            order_line_id BIGINT,
            order_id BIGINT,
            order_number VARCHAR,
            customer_id BIGINT,
            product_id BIGINT,
            ordered_at TIMESTAMP,
            order_date DATE,
            channel VARCHAR,
            status VARCHAR,
            quantity INTEGER,
            unit_price DECIMAL(14,2),
            gross DECIMAL(18,2),
            discount DECIMAL(18,2),
            revenue DECIMAL(18,2),
            cost DECIMAL(18,2),
            margin DECIMAL(18,2)
        )""",
    "fact_interactions": """
        CREATE TABLE fact_interactions (
            interaction_id BIGINT,
            customer_id BIGINT,
            occurred_at TIMESTAMP,
            occurred_date DATE,
            channel VARCHAR,
            direction VARCHAR,
            outcome VARCHAR,
            user_id BIGINT
        )""",
    "refresh_state": """
        CREATE TABLE refresh_state (
            refreshed_at TIMESTAMP,
            mode VARCHAR,
            source_high_water TIMESTAMP,
            rows_sales BIGINT,
            rows_customers BIGINT
        )""",
}

VIEW_DDL: dict[str, str] = {
    "fact_sales_valid": """
        CREATE OR REPLACE VIEW fact_sales_valid AS
        SELECT * FROM fact_sales WHERE status NOT IN ('cancelled', 'returned')""",
}

# The tables a Parquet export writes (the view is derived, refresh_state is bookkeeping
# but cheap and useful to other tools, so it goes too).
EXPORT_TABLES = tuple(TABLE_DDL)

# SQL that derives dim_date from the facts' date range (one row per day, no gaps).
DIM_DATE_FILL_SQL = """
    INSERT INTO dim_date
    SELECT d::DATE,
           year(d), quarter(d), month(d), weekofyear(d), day(d), isodow(d),
           strftime(d, '%Y-%m'),
           strftime(d, '%Y') || '-Q' || quarter(d)::VARCHAR
    FROM (
        SELECT range AS d FROM range(
            (SELECT min(x) FROM (
                SELECT min(order_date) AS x FROM fact_sales
                UNION ALL SELECT min(occurred_date) FROM fact_interactions
                UNION ALL SELECT min(first_order_date) FROM dim_customer))::TIMESTAMP,
            (SELECT max(x) FROM (
                SELECT max(order_date) AS x FROM fact_sales
                UNION ALL SELECT max(occurred_date) FROM fact_interactions
                UNION ALL SELECT max(first_order_date) FROM dim_customer))::TIMESTAMP
                + INTERVAL 1 DAY,
            INTERVAL 1 DAY)
    )
"""

# Age bands as of a reference date (the refresh date), from birth_date.
AGE_BAND_SQL = """
    CASE
        WHEN birth_date IS NULL THEN 'unknown'
        WHEN date_diff('year', birth_date, $ref) - (CASE WHEN strftime($ref, '%m-%d')
             < strftime(birth_date, '%m-%d') THEN 1 ELSE 0 END) < 20 THEN 'under 20'
        ELSE CASE (date_diff('year', birth_date, $ref) - (CASE WHEN strftime($ref, '%m-%d')
             < strftime(birth_date, '%m-%d') THEN 1 ELSE 0 END)) // 10
            WHEN 2 THEN '20-29' WHEN 3 THEN '30-39' WHEN 4 THEN '40-49' WHEN 5 THEN '50-59'
            ELSE '60+' END
    END
"""


def schema_create(*, con: duckdb.DuckDBPyConnection) -> None:
    """Create every contract table and view on an empty DuckDB connection."""
    for ddl in TABLE_DDL.values():
        con.execute(ddl)
    for ddl in VIEW_DDL.values():
        con.execute(ddl)


def dim_date_fill(*, con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild ``dim_date`` to cover every date the facts and customers mention."""
    con.execute("DELETE FROM dim_date")
    con.execute(DIM_DATE_FILL_SQL)
