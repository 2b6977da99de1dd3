"""Cohorts: the retention matrix in customers and revenue on a hand-made warehouse."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest
from django.core.management import call_command

from dangol.analytics.cohorts import cohort_grid, cohort_matrix
from dangol.analytics.errors import ValidationError
from dangol.analytics.tests.warehouse_fixture import build_test_warehouse

AS_OF = date(2025, 3, 31)
PRODUCTS = [{"product_id": 10, "category_path": "Food", "unit_price": "100", "unit_cost": "50"}]


def _sale(line, customer, when, amount, **extra):
    return {
        "order_line_id": line,
        "order_id": line,
        "customer_id": customer,
        "product_id": 10,
        "quantity": 1,
        "unit_price": amount,
        "ordered_at": when,
        **extra,
    }


SALES = [
    _sale(1, 1, datetime(2025, 1, 5, 10), "1000"),
    _sale(2, 1, datetime(2025, 2, 10, 10), "500"),
    _sale(3, 1, datetime(2025, 3, 15, 10), "200"),
    _sale(4, 2, datetime(2025, 1, 20, 10), "2000"),
    _sale(5, 2, datetime(2025, 3, 1, 10), "1000"),
    # Customer 3's cancelled January order does not make them a January customer.
    _sale(6, 3, datetime(2025, 1, 10, 10), "9000", status="cancelled"),
    _sale(7, 3, datetime(2025, 2, 3, 10), "3000"),
    _sale(8, 3, datetime(2025, 2, 25, 10), "100"),
    _sale(9, 4, datetime(2025, 3, 31, 23), "400"),
    # After as_of: neither customer 5's cohort nor customer 1's April purchase counts.
    _sale(10, 5, datetime(2025, 4, 2, 10), "700"),
    _sale(11, 1, datetime(2025, 4, 3, 10), "800"),
]


@pytest.fixture(scope="module")
def wh_path(tmp_path_factory):
    return build_test_warehouse(
        tmp_path_factory.mktemp("cohorts") / "wh.duckdb",
        customers=[{"customer_id": c} for c in range(1, 6)],
        products=PRODUCTS,
        sales=SALES,
    )


@pytest.fixture
def wh(wh_path):
    con = duckdb.connect(str(wh_path), read_only=True)
    yield con
    con.close()


def _cells(table):
    return [
        (
            r["cohort"],
            r["cohort_customers"],
            r["month"],
            r["customers"],
            r["revenue"],
            r["customer_retention"],
            r["revenue_retention"],
        )
        for r in table.to_pylist()
    ]


def test_matrix_counts_customers_and_revenue_per_cohort_and_month(wh):
    table = cohort_matrix(con=wh, as_of=AS_OF)

    assert _cells(table) == [
        ("2025-01", 2, 0, 2, Decimal("3000.00"), 1.0, 1.0),
        ("2025-01", 2, 1, 1, Decimal("500.00"), 0.5, 500 / 3000),
        ("2025-01", 2, 2, 2, Decimal("1200.00"), 1.0, 0.4),
        ("2025-02", 1, 0, 1, Decimal("3100.00"), 1.0, 1.0),
        ("2025-02", 1, 1, 0, Decimal("0.00"), 0.0, 0.0),
        ("2025-03", 1, 0, 1, Decimal("400.00"), 1.0, 1.0),
    ]


def test_since_drops_older_cohorts_and_later_as_of_extends_the_triangle(wh):
    table = cohort_matrix(con=wh, as_of=date(2025, 4, 30), since=date(2025, 2, 15))

    assert [(c, m, n, rev) for c, _s, m, n, rev, _r, _rr in _cells(table)] == [
        ("2025-02", 0, 1, Decimal("3100.00")),
        ("2025-02", 1, 0, Decimal("0.00")),
        ("2025-02", 2, 0, Decimal("0.00")),
        ("2025-03", 0, 1, Decimal("400.00")),
        ("2025-03", 1, 0, Decimal("0.00")),
        ("2025-04", 0, 1, Decimal("700.00")),
    ]


def test_as_of_before_any_sale_gives_no_rows(wh):
    assert cohort_matrix(con=wh, as_of=date(2024, 12, 31)).num_rows == 0


def test_since_after_as_of_is_refused(wh):
    with pytest.raises(ValidationError, match="since"):
        cohort_matrix(con=wh, as_of=AS_OF, since=date(2025, 4, 1))


def test_grid_is_one_row_per_cohort(wh):
    grid = cohort_grid(cohort_matrix(con=wh, as_of=AS_OF).to_pylist(), measure="customers")

    assert grid == {
        "months": [0, 1, 2],
        "rows": [
            {"cohort": "2025-01", "cohort_customers": 2, "cells": [2, 1, 2]},
            {"cohort": "2025-02", "cohort_customers": 1, "cells": [1, 0]},
            {"cohort": "2025-03", "cohort_customers": 1, "cells": [1]},
        ],
    }


def test_command_prints_csv_and_json(wh_path):
    out = io.StringIO()
    call_command(
        "analyze", "cohorts", "--as-of", "2025-03-31", "--warehouse", str(wh_path), stdout=out
    )
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == [
        "cohort",
        "cohort_customers",
        "month",
        "customers",
        "revenue",
        "customer_retention",
        "revenue_retention",
    ]
    assert [(r["cohort"], r["month"], r["customers"], r["revenue"]) for r in rows] == [
        ("2025-01", "0", "2", "3000.00"),
        ("2025-01", "1", "1", "500.00"),
        ("2025-01", "2", "2", "1200.00"),
        ("2025-02", "0", "1", "3100.00"),
        ("2025-02", "1", "0", "0.00"),
        ("2025-03", "0", "1", "400.00"),
    ]

    out = io.StringIO()
    call_command(
        "analyze",
        "cohorts",
        "--as-of",
        "2025-03-31",
        "--since",
        "2025-03-01",
        "--format",
        "json",
        "--warehouse",
        str(wh_path),
        stdout=out,
    )
    payload = json.loads(out.getvalue())
    assert payload["as_of"] == "2025-03-31"
    assert payload["since"] == "2025-03-01"
    assert payload["rows"] == [
        {
            "cohort": "2025-03",
            "cohort_customers": 1,
            "month": 0,
            "customers": 1,
            "revenue": "400.00",
            "customer_retention": 1.0,
            "revenue_retention": 1.0,
        }
    ]
