"""A tiny hand-made warehouse (three customers, two products, seven order lines)."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from dangol.analytics.olap.rollups import olap_rollups_build
from dangol.analytics.tests.warehouse_fixture import build_test_warehouse, publish_test_warehouse

CUSTOMERS = [
    {
        "customer_id": 1,
        "gender": "F",
        "region": "seoul",
        "customer_group": "retail",
        "birth_date": date(1990, 1, 1),
        "value_tier": "gold",
    },
    {"customer_id": 2, "gender": "M", "region": "busan", "customer_group": "retail"},
    {"customer_id": 3, "gender": "F", "region": "seoul", "customer_group": "wholesale"},
]
PRODUCTS = [
    {"product_id": 10, "category_path": "Food > Snacks", "unit_price": "1000", "unit_cost": "600"},
    {"product_id": 20, "category_path": "Beauty > Skin", "unit_price": "5000", "unit_cost": "2000"},
]


def _line(line, order, customer, product, qty, price, when, channel, **extra):
    return {
        "order_line_id": line,
        "order_id": order,
        "customer_id": customer,
        "product_id": product,
        "quantity": qty,
        "unit_price": price,
        "ordered_at": when,
        "channel": channel,
        **extra,
    }


SALES = [
    _line(1, 1, 1, 10, 2, "1000", datetime(2025, 1, 10, 9), "online"),
    _line(2, 1, 1, 20, 1, "5000", datetime(2025, 1, 10, 9), "online"),
    _line(3, 2, 2, 10, 3, "1000", datetime(2025, 1, 20, 12), "store"),
    _line(4, 3, 1, 20, 1, "5000", datetime(2025, 2, 5, 15), "store", discount="500"),
    _line(5, 4, 3, 10, 10, "1000", datetime(2025, 2, 14, 18), "online"),
    _line(6, 5, 2, 20, 2, "5000", datetime(2025, 3, 3, 11), "online", status="cancelled"),
    _line(7, 6, 3, 20, 1, "5000", datetime(2025, 3, 31, 23), "store"),
]
TABLES = {
    "customers": CUSTOMERS,
    "products": PRODUCTS,
    "sales": SALES,
    "reference_date": date(2025, 6, 30),
}


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory):
    path = build_test_warehouse(tmp_path_factory.mktemp("olap") / "wh.duckdb", **TABLES)
    con = duckdb.connect(str(path))
    olap_rollups_build(con)
    con.close()
    return path


@pytest.fixture
def wh(warehouse_path):
    con = duckdb.connect(str(warehouse_path), read_only=True)
    yield con
    con.close()


@pytest.fixture
def published_warehouse(settings, tmp_path):
    """Make the tiny warehouse (with rollups) the current one of a private data dir."""
    settings.DATA_DIR = tmp_path
    path = publish_test_warehouse(tmp_path, **TABLES)
    con = duckdb.connect(str(path))
    olap_rollups_build(con)
    con.close()
    return path
