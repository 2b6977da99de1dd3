"""Share of wallet: budgets read in bulk, joined with the warehouse, ranked by gap."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest
from django.core.management import call_command

from dangol.analytics.tests.warehouse_fixture import build_test_warehouse
from dangol.analytics.wallet import (
    share_of_wallet,
    share_of_wallet_report,
    share_of_wallet_summary,
)
from dangol.catalog.tests.factories import CategoryFactory
from dangol.customers.models import CategoryBudget
from dangol.customers.selectors import category_budget_table
from dangol.customers.tests.factories import CustomerFactory

AS_OF = date(2025, 12, 31)
PRODUCTS = [
    {"product_id": 10, "category_path": "Food > Snacks", "unit_price": "100", "unit_cost": "50"},
    {"product_id": 11, "category_path": "Food > Drinks", "unit_price": "100", "unit_cost": "50"},
    {"product_id": 12, "category_path": "Foodstuff", "unit_price": "100", "unit_cost": "50"},
    {"product_id": 20, "category_path": "Beauty > Skin", "unit_price": "100", "unit_cost": "50"},
]


def _sale(line, customer, product, when, amount, **extra):
    return {
        "order_line_id": line,
        "order_id": line,
        "customer_id": customer,
        "product_id": product,
        "quantity": 1,
        "unit_price": amount,
        "ordered_at": when,
        **extra,
    }


SALES = [
    _sale(1, 1, 10, datetime(2025, 6, 1, 10), "3000"),
    _sale(2, 1, 11, datetime(2025, 7, 1, 10), "2000"),
    _sale(3, 1, 10, datetime(2024, 12, 31, 23), "9999"),  # a day before the 12 months
    _sale(4, 1, 10, datetime(2025, 12, 31, 22), "500"),  # the last day counts
    _sale(5, 1, 11, datetime(2025, 8, 1, 10), "7000", status="cancelled"),
    _sale(6, 1, 12, datetime(2025, 8, 2, 10), "300"),  # "Foodstuff" is not under "Food"
    _sale(7, 1, 20, datetime(2025, 9, 1, 10), "800"),
    _sale(8, 2, 10, datetime(2025, 3, 1, 10), "1000"),
    _sale(9, 2, 11, datetime(2025, 3, 2, 10), "4000"),  # Drinks: not in a Snacks budget
]


def budgets(rows):
    return pa.table(
        {
            "customer_id": pa.array([r[0] for r in rows], pa.int64()),
            "category_id": pa.array([r[1] for r in rows], pa.int64()),
            "category_path": pa.array([r[2] for r in rows], pa.string()),
            "annual_budget": pa.array([Decimal(r[3]) for r in rows], pa.decimal128(14, 2)),
        }
    )


BUDGETS = budgets(
    [
        (1, 1, "Food", "10000"),
        (1, 3, "Beauty > Skin", "0"),
        (2, 2, "Food > Snacks", "5000"),
        (9, 1, "Food", "1000"),  # a customer with no sales in the warehouse
    ]
)


@pytest.fixture(scope="module")
def wh_path(tmp_path_factory):
    return build_test_warehouse(
        tmp_path_factory.mktemp("wallet") / "wh.duckdb",
        customers=[{"customer_id": c} for c in (1, 2)],
        products=PRODUCTS,
        sales=SALES,
    )


@pytest.fixture
def wh(wh_path):
    con = duckdb.connect(str(wh_path), read_only=True)
    yield con
    con.close()


def test_share_of_wallet_per_budget_ranked_by_gap(wh):
    rows = share_of_wallet(con=wh, budgets=BUDGETS, as_of=AS_OF).to_pylist()

    assert [
        (
            r["rank"],
            r["customer_id"],
            r["category_path"],
            r["budget"],
            r["revenue"],
            r["share"],
            r["gap"],
        )
        for r in rows
    ] == [
        (1, 1, "Food", Decimal("10000.00"), Decimal("5500.00"), 0.55, Decimal("4500.00")),
        (2, 2, "Food > Snacks", Decimal("5000.00"), Decimal("1000.00"), 0.2, Decimal("4000.00")),
        (3, 9, "Food", Decimal("1000.00"), Decimal("0.00"), 0.0, Decimal("1000.00")),
        (4, 1, "Beauty > Skin", Decimal("0.00"), Decimal("800.00"), None, Decimal("-800.00")),
    ]
    assert [r["category_id"] for r in rows] == [1, 2, 1, 3]


def test_top_keeps_the_biggest_gaps(wh):
    rows = share_of_wallet(con=wh, budgets=BUDGETS, as_of=AS_OF, top=2).to_pylist()

    assert [(r["customer_id"], r["category_path"]) for r in rows] == [
        (1, "Food"),
        (2, "Food > Snacks"),
    ]


def test_summary_totals_distribution_and_categories(wh):
    summary = share_of_wallet_summary(con=wh, budgets=BUDGETS, as_of=AS_OF)

    assert summary["totals"] == {
        "pairs": 4,
        "customers": 3,
        "budget": Decimal("16000.00"),
        "revenue": Decimal("7300.00"),
        "share": 0.45625,
        "gap": Decimal("8700.00"),
    }
    assert summary["distribution"] == [
        {"band": "0%", "pairs": 1},
        {"band": "0-10%", "pairs": 0},
        {"band": "10-25%", "pairs": 1},
        {"band": "25-50%", "pairs": 0},
        {"band": "50-75%", "pairs": 1},
        {"band": "75-100%", "pairs": 0},
        {"band": ">100%", "pairs": 0},
    ]
    assert summary["categories"] == [
        {
            "category_path": "Food",
            "customers": 2,
            "budget": Decimal("11000.00"),
            "revenue": Decimal("5500.00"),
            "share": 0.5,
            "gap": Decimal("5500.00"),
        },
        {
            "category_path": "Food > Snacks",
            "customers": 1,
            "budget": Decimal("5000.00"),
            "revenue": Decimal("1000.00"),
            "share": 0.2,
            "gap": Decimal("4000.00"),
        },
        {
            "category_path": "Beauty > Skin",
            "customers": 1,
            "budget": Decimal("0.00"),
            "revenue": Decimal("800.00"),
            "share": None,
            "gap": Decimal("-800.00"),
        },
    ]


def test_report_is_the_summary_and_the_ranked_pairs_in_one_pass(wh):
    report = share_of_wallet_report(con=wh, budgets=BUDGETS, as_of=AS_OF, top=3)

    summary = share_of_wallet_summary(con=wh, budgets=BUDGETS, as_of=AS_OF)
    assert {k: v for k, v in report.items() if k != "rows"} == summary
    ranked = share_of_wallet(con=wh, budgets=BUDGETS, as_of=AS_OF, top=3)
    assert report["rows"].to_pylist() == ranked.to_pylist()


def test_no_budgets_gives_empty_results(wh):
    empty = budgets([])

    assert share_of_wallet(con=wh, budgets=empty, as_of=AS_OF).num_rows == 0
    summary = share_of_wallet_summary(con=wh, budgets=empty, as_of=AS_OF)
    assert summary["totals"]["pairs"] == 0
    assert summary["totals"]["share"] is None
    assert summary["categories"] == []


@pytest.mark.django_db
def test_selector_reads_every_budget_with_its_category_path():
    food = CategoryFactory(name="Food")
    snacks = CategoryFactory(name="Snacks", parent=food)
    a, b = CustomerFactory(), CustomerFactory()
    CategoryBudget.objects.create(customer=b, category=food, annual_budget=Decimal("1000.50"))
    CategoryBudget.objects.create(customer=a, category=snacks, annual_budget=Decimal("250"))
    CategoryBudget.objects.create(customer=a, category=food, annual_budget=Decimal("0"))

    table = category_budget_table()

    assert table.schema.field("annual_budget").type == pa.decimal128(14, 2)
    assert table.to_pylist() == [
        {
            "customer_id": a.pk,
            "category_id": food.pk,
            "category_path": "Food",
            "annual_budget": Decimal("0.00"),
        },
        {
            "customer_id": a.pk,
            "category_id": snacks.pk,
            "category_path": "Food > Snacks",
            "annual_budget": Decimal("250.00"),
        },
        {
            "customer_id": b.pk,
            "category_id": food.pk,
            "category_path": "Food",
            "annual_budget": Decimal("1000.50"),
        },
    ]


@pytest.mark.django_db
def test_selector_with_no_budgets_returns_an_empty_table():
    table = category_budget_table()

    assert table.num_rows == 0
    assert table.column_names == ["customer_id", "category_id", "category_path", "annual_budget"]


@pytest.mark.django_db
def test_command_reads_the_budgets_from_the_database(wh_path):
    food = CategoryFactory(name="Food")
    customer = CustomerFactory(pk=1)  # customer 1 of the warehouse
    CategoryBudget.objects.create(customer=customer, category=food, annual_budget=Decimal("100"))

    out = io.StringIO()
    call_command(
        "analyze", "wallet", "--as-of", "2025-12-31", "--warehouse", str(wh_path), stdout=out
    )
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    # 5,500 of Food in the 12 months against a budget of 100: 55 times the stated budget.
    assert row == {
        "customer_id": str(customer.pk),
        "category_id": str(food.pk),
        "category_path": "Food",
        "budget": "100.00",
        "revenue": "5500.00",
        "share": "55.0",
        "gap": "-5400.00",
        "rank": "1",
    }

    out = io.StringIO()
    call_command(
        "analyze",
        "wallet",
        "--summary",
        "--format",
        "json",
        "--as-of",
        "2025-12-31",
        "--warehouse",
        str(wh_path),
        stdout=out,
    )
    payload = json.loads(out.getvalue())
    assert payload["totals"] == {
        "pairs": 1,
        "customers": 1,
        "budget": "100.00",
        "revenue": "5500.00",
        "share": 55.0,
        "gap": "-5400.00",
    }
    assert payload["rows"] == [
        {
            "category_path": "Food",
            "customers": 1,
            "budget": "100.00",
            "revenue": "5500.00",
            "share": 55.0,
            "gap": "-5400.00",
        }
    ]
