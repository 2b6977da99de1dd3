"""Profitability with cost to serve, per customer, product and customer x category."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from dangol.analytics.errors import ValidationError
from dangol.analytics.profitability import cost_per_interaction, profitability
from dangol.analytics.tests.warehouse_fixture import build_test_warehouse

AS_OF = dt.date(2025, 12, 31)
COSTS = {"phone": 100, "email": "10", "field_visit": 1000}  # chat has no cost


def _sale(line, order, customer, product, quantity, price, day, **extra):
    return {
        "order_line_id": line,
        "order_id": order,
        "customer_id": customer,
        "product_id": product,
        "quantity": quantity,
        "unit_price": price,
        "ordered_at": dt.datetime.combine(day, dt.time(12)),
        **extra,
    }


def _touch(pk, customer, channel, day):
    return {
        "interaction_id": pk,
        "customer_id": customer,
        "channel": channel,
        "occurred_at": dt.datetime.combine(day, dt.time(9)),
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    day = AS_OF - dt.timedelta(days=30)
    old = dt.date(2024, 1, 1)
    path = build_test_warehouse(
        tmp_path_factory.mktemp("profit") / "wh.duckdb",
        customers=[{"customer_id": c} for c in (1, 2, 3)],
        products=[
            {
                "product_id": 10,
                "sku": "K",
                "name": "Kimchi",
                "category_path": "Food > Kimchi",
                "unit_price": "1000",
                "unit_cost": "600",
            },
            {
                "product_id": 20,
                "sku": "T",
                "name": "Tea",
                "category_path": "Drinks > Tea",
                "unit_price": "500",
                "unit_cost": "300",
            },
        ],
        sales=[
            _sale(1, 1, 1, 10, 2, "1000", day, discount="200"),
            _sale(2, 1, 1, 20, 1, "500", day),
            _sale(3, 2, 2, 20, 4, "500", day),
            _sale(4, 3, 2, 10, 10, "1000", day, status="cancelled"),
            _sale(5, 4, 1, 10, 5, "1000", old),
        ],
        interactions=[
            _touch(1, 1, "phone", day),
            _touch(2, 1, "phone", day),
            _touch(3, 1, "email", day),
            _touch(4, 1, "phone", old),
            _touch(5, 2, "field_visit", day),
            _touch(6, 2, "chat", day),
            _touch(7, 3, "email", day),
        ],
        reference_date=AS_OF,
    )
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _rows(table):
    return [
        {k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()}
        for row in table.to_pylist()
    ]


def test_per_customer(warehouse):
    rows = _rows(profitability(con=warehouse, by="customer", as_of=AS_OF, costs=COSTS))
    assert rows == [
        {
            "customer_id": 1,
            "orders": 1,
            "interactions": 3,
            "gross": "2500.00",
            "discount": "200.00",
            "revenue": "2300.00",
            "cogs": "1500.00",
            "margin": "800.00",
            "cost_to_serve": "210.00",
            "profit": "590.00",
            "rank": 1,
        },
        {
            "customer_id": 3,
            "orders": 0,
            "interactions": 1,
            "gross": "0.00",
            "discount": "0.00",
            "revenue": "0.00",
            "cogs": "0.00",
            "margin": "0.00",
            "cost_to_serve": "10.00",
            "profit": "-10.00",
            "rank": 2,
        },
        {
            "customer_id": 2,
            "orders": 1,
            "interactions": 2,
            "gross": "2000.00",
            "discount": "0.00",
            "revenue": "2000.00",
            "cogs": "1200.00",
            "margin": "800.00",
            "cost_to_serve": "1000.00",
            "profit": "-200.00",
            "rank": 3,
        },
    ]


def test_per_product_spreads_cost_to_serve_by_revenue(warehouse):
    rows = _rows(profitability(con=warehouse, by="product", as_of=AS_OF, costs=COSTS))
    # Customer 1's 210 splits 1800:500 over kimchi and tea; customer 2's 1000 is all tea.
    assert rows == [
        {
            "product_id": 10,
            "sku": "K",
            "name": "Kimchi",
            "category_l1": "Food",
            "quantity": 2,
            "gross": "2000.00",
            "discount": "200.00",
            "revenue": "1800.00",
            "cogs": "1200.00",
            "margin": "600.00",
            "cost_to_serve": "164.35",
            "profit": "435.65",
            "rank": 1,
        },
        {
            "product_id": 20,
            "sku": "T",
            "name": "Tea",
            "category_l1": "Drinks",
            "quantity": 5,
            "gross": "2500.00",
            "discount": "0.00",
            "revenue": "2500.00",
            "cogs": "1500.00",
            "margin": "1000.00",
            "cost_to_serve": "1045.65",
            "profit": "-45.65",
            "rank": 2,
        },
    ]


def test_per_customer_category(warehouse):
    rows = _rows(profitability(con=warehouse, by="customer-category", as_of=AS_OF, costs=COSTS))
    assert [(r["customer_id"], r["category_l1"], r["profit"], r["rank"]) for r in rows] == [
        (1, "Food", "435.65", 1),
        (1, "Drinks", "154.35", 2),
        (2, "Drinks", "-200.00", 3),
    ]


def test_top_and_settings_costs(warehouse, settings):
    settings.DANGOL_COST_PER_INTERACTION = {"chat": 5000}
    rows = _rows(profitability(con=warehouse, by="customer", as_of=AS_OF, top=1))
    assert [(r["customer_id"], r["cost_to_serve"], r["profit"]) for r in rows] == [
        (1, "0.00", "800.00")
    ]
    assert cost_per_interaction() == {"chat": Decimal("5000")}


def test_discounts_are_not_subtracted_twice(warehouse):
    rows = _rows(profitability(con=warehouse, by="product", as_of=AS_OF, costs={}))
    (row,) = [r for r in rows if r["product_id"] == 10]
    # gross 2,000 - discount 200 = revenue 1,800; margin = revenue - cogs = 600.
    assert (row["revenue"], row["margin"], row["profit"]) == ("1800.00", "600.00", "600.00")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"by": "region"}, "by"),
        ({"by": "customer", "top": 0}, "top"),
        ({"by": "customer", "costs": {"phone": -1}}, "costs"),
    ],
)
def test_bad_parameters(warehouse, kwargs, field):
    with pytest.raises(ValidationError) as err:
        profitability(con=warehouse, as_of=AS_OF, **kwargs)
    assert err.value.field == field
