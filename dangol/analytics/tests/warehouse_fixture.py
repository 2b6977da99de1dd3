"""Build small warehouse files with the contract's DDL, for tests of warehouse readers.

    from dangol.analytics.tests.warehouse_fixture import build_test_warehouse

    path = build_test_warehouse(
        tmp_path / "wh.duckdb",
        customers=[{"customer_id": 1, "region": "seoul"}],
        products=[{"product_id": 10, "unit_price": "1000", "unit_cost": "600"}],
        sales=[{"order_line_id": 1, "order_id": 1, "customer_id": 1, "product_id": 10,
                "ordered_at": datetime(2025, 3, 1, 10), "quantity": 2, "unit_price": "1000"}],
        interactions=[],
    )

Rows are dicts (or pandas DataFrames) holding any subset of a table's columns; the rest
take defaults: text '' , numbers NULL, ``status`` 'delivered', ``discount`` 0. Derived
sales columns (``order_date``, ``gross``, ``revenue``, ``cost`` from the product's
``unit_cost``, ``margin``) and ``dim_customer.age_band``/``first_order_date`` are computed
when absent, exactly as the refresh computes them. ``dim_date`` covers the facts' dates and
``dim_channel`` lists the channels seen. ``publish_test_warehouse`` additionally makes the
file the current warehouse of a data directory, so ``warehouse_connect()`` opens it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from dangol.analytics.warehouse import schema

_TEXT_DEFAULTS = {
    "dim_customer": (
        "kind",
        "gender",
        "region",
        "city",
        "customer_group",
        "acquisition_channel",
        "status",
        "value_tier",
        "rfm_segment",
    ),
    "dim_product": ("sku", "name", "category_path", "category_l1", "category_l2", "category_l3"),
    "fact_sales": ("order_number", "channel"),
    "fact_interactions": ("channel", "direction", "outcome"),
}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.execute(f'DESCRIBE "{table}"').fetchall()]


def _frame(rows: Iterable[Mapping[str, Any]] | pd.DataFrame | None) -> pd.DataFrame:
    if rows is None:
        return pd.DataFrame()
    if isinstance(rows, pd.DataFrame):
        return rows.copy()
    return pd.DataFrame([dict(row) for row in rows])


def _load(
    con: duckdb.DuckDBPyConnection, table: str, rows, *, defaults: Mapping[str, str] = {}
) -> None:
    """Insert ``rows`` into a staging copy of ``table`` (all columns, NULL when absent)."""
    cols = _columns(con, table)
    con.execute(f'CREATE TEMP TABLE "stage_{table}" AS SELECT * FROM "{table}" LIMIT 0')
    frame = _frame(rows)
    if len(frame):
        unknown = set(frame.columns) - set(cols)
        if unknown:
            raise ValueError(f"{table}: unknown columns {sorted(unknown)}")
        # Pass through text so DuckDB casts decimals/dates itself (no float rounding).
        frame = frame.astype(object).where(frame.notna(), None)
        con.register("_rows", frame)
        present = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f'INSERT INTO "stage_{table}" ({present}) SELECT {present} FROM _rows')
        con.unregister("_rows")
    for col in _TEXT_DEFAULTS.get(table, ()):
        con.execute(f'UPDATE "stage_{table}" SET "{col}" = \'\' WHERE "{col}" IS NULL')
    for col, value in defaults.items():
        con.execute(f'UPDATE "stage_{table}" SET "{col}" = ? WHERE "{col}" IS NULL', [value])


def build_test_warehouse(
    path: str | os.PathLike,
    *,
    customers=(),
    products=(),
    sales=(),
    interactions=(),
    refreshed_at: dt.datetime | None = None,
    reference_date: dt.date | None = None,
) -> Path:
    """Write a warehouse file at ``path`` with the contract schema and the given rows."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    reference_date = reference_date or dt.date.today()
    refreshed_at = refreshed_at or dt.datetime.now().replace(microsecond=0)
    con = duckdb.connect(str(path))
    try:
        schema.schema_create(con=con)
        _load(con, "dim_product", products, defaults={"active": "true"})
        con.execute("""
            INSERT INTO dim_product
            SELECT product_id, sku, name, category_path,
                   coalesce(nullif(category_l1, ''),
                            coalesce(split_part(category_path, ' > ', 1), '')),
                   coalesce(nullif(category_l2, ''),
                            coalesce(split_part(category_path, ' > ', 2), '')),
                   coalesce(nullif(category_l3, ''),
                            coalesce(split_part(category_path, ' > ', 3), '')),
                   unit_price, unit_cost, active
            FROM stage_dim_product""")
        _load(con, "fact_sales", sales, defaults={"status": "delivered", "discount": "0"})
        con.execute("""
            INSERT INTO fact_sales
            SELECT s.order_line_id, s.order_id, s.order_number, s.customer_id, s.product_id,
                   s.ordered_at, coalesce(s.order_date, s.ordered_at::DATE), s.channel, s.status,
                   s.quantity, s.unit_price,
                   coalesce(s.gross, s.quantity * s.unit_price),
                   s.discount,
                   coalesce(s.revenue, s.quantity * s.unit_price - s.discount),
                   coalesce(s.cost, s.quantity * p.unit_cost),
                   coalesce(s.margin, s.quantity * s.unit_price - s.discount
                                      - coalesce(s.cost, s.quantity * p.unit_cost))
            FROM stage_fact_sales s LEFT JOIN dim_product p USING (product_id)""")
        _load(con, "fact_interactions", interactions)
        con.execute("""
            INSERT INTO fact_interactions
            SELECT interaction_id, customer_id, occurred_at,
                   coalesce(occurred_date, occurred_at::DATE), channel, direction, outcome, user_id
            FROM stage_fact_interactions""")
        _load(con, "dim_customer", customers)
        age_band = schema.AGE_BAND_SQL.replace("$ref", "$1::DATE")
        con.execute(
            f"""
            INSERT INTO dim_customer
            SELECT c.customer_id, c.kind, c.gender, c.birth_date,
                   coalesce(c.age_band, {age_band}),
                   c.region, c.city, c.customer_group, c.acquisition_channel, c.status,
                   c.owner_id, c.created_at,
                   coalesce(c.first_order_date, f.first_date),
                   c.value_tier, c.rfm_segment
            FROM stage_dim_customer c
            LEFT JOIN (SELECT customer_id, min(order_date) AS first_date
                       FROM fact_sales_valid GROUP BY customer_id) f USING (customer_id)""",
            [reference_date],
        )
        con.execute("""
            INSERT INTO dim_channel
            SELECT DISTINCT channel, 'sales' FROM fact_sales WHERE channel <> ''
            UNION
            SELECT DISTINCT channel, 'interaction' FROM fact_interactions
            WHERE channel <> '' AND channel NOT IN (SELECT channel FROM fact_sales)""")
        schema.dim_date_fill(con=con)
        con.execute(
            """INSERT INTO refresh_state VALUES (?, 'full', ?,
                   (SELECT count(*) FROM fact_sales), (SELECT count(*) FROM dim_customer))""",
            [refreshed_at, refreshed_at],
        )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


def publish_test_warehouse(data_dir: str | os.PathLike, **tables) -> Path:
    """Build a test warehouse inside ``data_dir/warehouse`` and point ``CURRENT`` at it."""
    folder = Path(data_dir) / "warehouse"
    folder.mkdir(parents=True, exist_ok=True)
    path = build_test_warehouse(folder / "wh-test.duckdb", **tables)
    (folder / "CURRENT").write_text(path.name + "\n")
    return path
