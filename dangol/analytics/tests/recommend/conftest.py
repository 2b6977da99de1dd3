"""The hand-made basket set as real customers, products and a published warehouse."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dangol.analytics.tests.recommend import baskets as b
from dangol.analytics.tests.warehouse_fixture import publish_test_warehouse
from dangol.catalog.tests.factories import CategoryFactory, ProductFactory
from dangol.customers.tests.factories import CustomerFactory

CONFIG = {"rule_min_support": 0.25, "rule_min_confidence": 0.01, "holdout_days": 30}


@pytest.fixture
def shop(tmp_path, settings, admin_user):
    """The hand-made basket set as real customers and products, and its warehouse."""
    settings.DATA_DIR = tmp_path
    settings.DANGOL_RECOMMEND = CONFIG
    customers = {n: CustomerFactory(owner=admin_user) for n in (10, 11, 12, 13, 14)}
    products = {}
    for pid, name, category, price, margin, active in b.PRODUCTS:
        products[pid] = ProductFactory(
            name=name,
            category=CategoryFactory(name=category, path=category),
            unit_price=Decimal(str(price)),
            unit_cost=Decimal(str(price - margin)),
            active=active,
        )
    sales, line = [], 0
    for order_id, cust, day, items in b.ORDERS:
        for pid in items:
            line += 1
            sales.append(
                {
                    "order_line_id": line,
                    "order_id": order_id,
                    "customer_id": customers[cust].pk,
                    "product_id": products[pid].pk,
                    "ordered_at": f"{day.isoformat()} 10:00:00",
                    "quantity": 1,
                    "unit_price": str(b.PRODUCTS[pid - 1][3]),
                }
            )
    publish_test_warehouse(
        tmp_path,
        customers=[{"customer_id": c.pk} for c in customers.values()],
        products=[
            {
                "product_id": products[pid].pk,
                "name": name,
                "category_path": category,
                "unit_price": str(price),
                "unit_cost": str(price - margin),
                "active": active,
            }
            for pid, name, category, price, margin, active in b.PRODUCTS
        ],
        sales=sales,
    )
    return customers, products
