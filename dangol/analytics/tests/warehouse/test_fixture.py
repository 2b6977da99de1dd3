"""The shared test-warehouse builder agrees with the contract and with warehouse_connect."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dangol.analytics.tests.warehouse_fixture import publish_test_warehouse
from dangol.analytics.warehouse import schema
from dangol.analytics.warehouse.connection import warehouse_connect


def test_publish_test_warehouse_derives_columns(data_dir):
    publish_test_warehouse(
        data_dir,
        customers=[{"customer_id": 1, "birth_date": dt.date(1990, 1, 1)}, {"customer_id": 2}],
        products=[
            {"product_id": 10, "unit_price": "1000", "unit_cost": "600", "category_path": "A > B"}
        ],
        sales=[
            {
                "order_line_id": 1,
                "order_id": 1,
                "customer_id": 1,
                "product_id": 10,
                "ordered_at": dt.datetime(2025, 3, 1, 10),
                "quantity": 2,
                "unit_price": "1000",
                "channel": "online",
            },
            {
                "order_line_id": 2,
                "order_id": 2,
                "customer_id": 1,
                "product_id": 10,
                "ordered_at": dt.datetime(2025, 3, 3),
                "quantity": 1,
                "unit_price": "1000.50",
                "discount": "0.50",
                "status": "cancelled",
            },
        ],
        interactions=[
            {"interaction_id": 1, "customer_id": 2, "occurred_at": dt.datetime(2025, 3, 2)}
        ],
        reference_date=dt.date(2026, 1, 1),
    )
    with warehouse_connect() as con:
        tables = {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        assert tables == set(schema.TABLE_DDL) | set(schema.VIEW_DDL)
        assert con.execute(
            "SELECT gross, revenue, cost, margin FROM fact_sales ORDER BY order_line_id"
        ).fetchall() == [
            (Decimal("2000.00"), Decimal("2000.00"), Decimal("1200.00"), Decimal("800.00")),
            (Decimal("1000.50"), Decimal("1000.00"), Decimal("600.00"), Decimal("400.00")),
        ]
        assert con.execute("SELECT count(*) FROM fact_sales_valid").fetchone()[0] == 1
        assert con.execute(
            "SELECT customer_id, age_band, first_order_date FROM dim_customer ORDER BY 1"
        ).fetchall() == [(1, "30-39", dt.date(2025, 3, 1)), (2, "unknown", None)]
        assert con.execute(
            "SELECT category_l1, category_l2, category_l3 FROM dim_product"
        ).fetchone() == ("A", "B", "")
        assert con.execute("SELECT count(*) FROM dim_date").fetchone()[0] == 3


def test_a_refresh_over_a_test_warehouse_replaces_its_rows(demo, data_dir):
    from dangol.analytics.warehouse.services import warehouse_refresh
    from dangol.sales.models import OrderLine

    publish_test_warehouse(data_dir, customers=[{"customer_id": 999_999}])
    result = warehouse_refresh()
    assert result.mode == "incremental"
    assert result.rows["fact_sales"] == OrderLine.objects.count()
    with warehouse_connect() as con:
        assert (
            con.execute("SELECT count(*) FROM dim_customer WHERE customer_id = 999999").fetchone()[
                0
            ]
            == 0
        )
