"""Fill the engine's ``tx`` and ``product`` tables from the warehouse or from frames."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from dangol.analytics.warehouse.connection import warehouse_current_path
from dangol.analytics.warehouse.errors import WarehouseMissing


def engine_connect() -> duckdb.DuckDBPyConnection:
    """Return an in-memory DuckDB connection for the engine (no progress bar)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def engine_from_warehouse(*, path: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """Return an engine connection holding the warehouse's valid purchases and products.

    The warehouse file is attached read-only and copied into memory, so the refresh that
    replaces it is never blocked by a long recommendation run.
    """
    path = Path(path) if path else warehouse_current_path()
    if path is None:
        raise WarehouseMissing("No warehouse yet: run `dangol warehouse refresh`.")
    con = engine_connect()
    con.execute("ATTACH ? AS wh (READ_ONLY)", [str(path)])
    con.execute(
        """
        CREATE TABLE tx AS
        SELECT customer_id, product_id, order_id, order_date
        FROM wh.fact_sales_valid
        WHERE customer_id IS NOT NULL AND product_id IS NOT NULL
        """
    )
    con.execute(
        """
        CREATE TABLE product AS
        SELECT product_id, coalesce(category_path, '') AS category,
               CAST(unit_price AS DOUBLE) AS price,
               CAST(unit_price - unit_cost AS DOUBLE) AS margin,
               coalesce(active, true) AS active
        FROM wh.dim_product
        """
    )
    con.execute("DETACH wh")
    return con


def engine_from_frames(*, tx: pd.DataFrame, product: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    """Return an engine connection holding the given purchase and product frames."""
    con = engine_connect()
    con.register("tx_frame", tx)
    con.register("product_frame", product)
    con.execute(
        "CREATE TABLE tx AS SELECT CAST(customer_id AS BIGINT) AS customer_id, "
        "CAST(product_id AS BIGINT) AS product_id, CAST(order_id AS BIGINT) AS order_id, "
        "CAST(order_date AS DATE) AS order_date FROM tx_frame"
    )
    con.execute(
        "CREATE TABLE product AS SELECT CAST(product_id AS BIGINT) AS product_id, "
        "CAST(category AS VARCHAR) AS category, CAST(price AS DOUBLE) AS price, "
        "CAST(margin AS DOUBLE) AS margin, CAST(active AS BOOLEAN) AS active FROM product_frame"
    )
    con.unregister("tx_frame")
    con.unregister("product_frame")
    return con
