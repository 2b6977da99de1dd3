"""Importing category budgets (share of wallet): upsert, rejects, idempotence."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangol.catalog.bulk import category_ids_by_path
from dangol.customers.models import CategoryBudget
from dangol.integration.errors import RejectedRowsError
from dangol.integration.importers import import_file

from .conftest import customers_csv, write

HEADER = "customer_external_id,category_path,annual_budget"


@pytest.fixture
def setup(db, tmp_path, retail):
    import_file(kind="customers", path=customers_csv(tmp_path))
    category_ids_by_path(paths=["Dairy > Milk", "Bakery"])


def budgets(tmp_path, rows, name="budgets.csv"):
    return write(tmp_path, name, "\n".join([HEADER, *rows]) + "\n")


def stored() -> list[tuple]:
    rows = CategoryBudget.objects.order_by("customer__external_id", "category__path")
    return list(rows.values_list("customer__external_id", "category__path", "annual_budget"))


@pytest.mark.django_db
def test_budgets_import_upserts_and_reimport_changes_nothing(tmp_path, setup):
    rows = ['C001,Dairy > Milk,"1,200,000"', "C001,Bakery,300000.50", "C002,Dairy>Milk,0"]
    result = import_file(kind="budgets", path=budgets(tmp_path, rows))
    assert (result.inserted, result.updated, result.unchanged) == (3, 0, 0)
    assert stored() == [
        ("C001", "Bakery", Decimal("300000.50")),
        ("C001", "Dairy > Milk", Decimal("1200000.00")),
        ("C002", "Dairy > Milk", Decimal("0.00")),
    ]
    before = list(CategoryBudget.objects.order_by("id").values_list())
    again = import_file(kind="budgets", path=budgets(tmp_path, rows))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert list(CategoryBudget.objects.order_by("id").values_list()) == before  # updated_at too
    changed = import_file(kind="budgets", path=budgets(tmp_path, ["C001,Bakery,250000"], "c.csv"))
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 0)
    assert CategoryBudget.objects.get(category__path="Bakery").annual_budget == Decimal("250000")


@pytest.mark.django_db
def test_bad_budget_rows_are_rejected_with_their_line(tmp_path, setup):
    rows = [
        "C999,Bakery,1000",  # 2: unknown customer
        "C001,Toys > Lego,1000",  # 3: unknown category
        "C002,Bakery,-5",  # 4: negative
        "C003,Bakery,100",  # 5: duplicate (same category spelled differently below)
        "C003, Bakery ,200",  # 6
        "C003,Dairy > Milk,700",  # 7: good
    ]
    path = budgets(tmp_path, rows)
    with pytest.raises(RejectedRowsError) as exc_info:
        import_file(kind="budgets", path=path)
    rejects = exc_info.value.result.rejects
    assert list(rejects[["line", "column", "reason"]].itertuples(index=False, name=None)) == [
        (2, "customer_external_id", "unknown customer external id"),
        (3, "category_path", "unknown category (import the products that create it first)"),
        (4, "annual_budget", "must not be negative"),
        (
            5,
            "category_path",
            "duplicate customer_external_id + category_path in the file (2 rows, first at line 5)",
        ),
        (
            6,
            "category_path",
            "duplicate customer_external_id + category_path in the file (2 rows, first at line 5)",
        ),
    ]
    assert CategoryBudget.objects.count() == 0  # all-or-nothing
    result = import_file(kind="budgets", path=path, skip_bad=True)
    assert (result.inserted, result.rejected) == (1, 5)
    assert stored() == [("C003", "Dairy > Milk", Decimal("700.00"))]


@pytest.mark.django_db
def test_budgets_from_the_command_line(tmp_path, setup, capsys):
    call_command("import", "budgets", str(budgets(tmp_path, ["C002,Bakery,10"])))
    assert "inserted:  1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Missing required column"):
        call_command("import", "budgets", str(write(tmp_path, "x.csv", "customer,budget\nC1,1\n")))
