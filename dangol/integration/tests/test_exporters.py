"""Exports and round trips: export, import again, nothing changes."""

from __future__ import annotations

import io

import pytest

from dangol.accounts.roles import Role
from dangol.customers.models import Customer
from dangol.customers.selectors import CustomerFilters
from dangol.integration.exporters import export_customers, export_orders, export_products
from dangol.integration.importers import import_file
from dangol.sales.models import Order, OrderLine

from .conftest import CUSTOMER_ROWS, customers_csv, write

ORDERS = (
    "order_number,customer_external_id,ordered_at,sku,quantity,unit_price,discount,channel\n"
    "O1,C001,2024-03-01 13:45:10,P1,2,2500,0,online\n"
    "O1,C001,2024-03-01 13:45:10,P2,1,4000.50,500,online\n"
    "O2,C003,2024-03-02T09:00:00+09:00,P1,10,2400,1000,store\n"
)


@pytest.fixture
def loaded(db, tmp_path, retail, products):
    hostile = "C004,person,\"<b>=1+1;DROP</b>, 'x'\",,,,,,,,,,,,,"
    rows = list(CUSTOMER_ROWS)
    import_file(kind="customers", path=customers_csv(tmp_path, [*rows, hostile]))
    import_file(kind="orders", path=write(tmp_path, "orders.csv", ORDERS))


def state():
    return (
        list(Customer.objects.order_by("id").values_list()),
        list(Order.objects.order_by("id").values_list()),
        list(OrderLine.objects.order_by("id").values_list()),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fmt", "suffix", "version"),
    [("csv", "csv", ""), ("xlsx", "xlsx", ""), ("vcard", "vcf", "3.0"), ("vcard", "vcf", "4.0")],
)
def test_customers_round_trip(loaded, tmp_path, fmt, suffix, version):
    before = state()
    path = tmp_path / f"export.{suffix}"
    with path.open("wb") as out:
        count = export_customers(out=out, fmt=fmt, vcard_version=version or "3.0")
    assert count == 4
    result = import_file(kind="customers", path=path)
    assert (result.inserted, result.updated, result.unchanged, result.rejected) == (0, 0, 4, 0)
    assert state() == before


@pytest.mark.django_db
def test_customers_round_trip_into_an_empty_database(loaded, tmp_path):
    path = tmp_path / "export.csv"
    with path.open("wb") as out:
        export_customers(out=out)
    fields = [
        f.name for f in Customer._meta.fields if f.name not in ("id", "created_at", "updated_at")
    ]
    before = list(Customer.objects.order_by("external_id").values_list(*fields))
    Order.objects.all().delete()
    Customer.objects.all().delete()
    import_file(kind="customers", path=path)
    assert list(Customer.objects.order_by("external_id").values_list(*fields)) == before


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_products_and_orders_round_trip(loaded, tmp_path, fmt):
    before = state()
    products_path, orders_path = tmp_path / f"p.{fmt}", tmp_path / f"o.{fmt}"
    with products_path.open("wb") as out:
        assert export_products(out=out, fmt=fmt) == 2
    with orders_path.open("wb") as out:
        assert export_orders(out=out, fmt=fmt) == 3
    products = import_file(kind="products", path=products_path)
    orders = import_file(kind="orders", path=orders_path)
    assert (products.unchanged, orders.unchanged, orders.rejected) == (2, 2, 0)
    assert state() == before


@pytest.mark.django_db
def test_csv_has_bom_and_canonical_header(loaded):
    out = io.BytesIO()
    export_orders(out=out)
    text = out.getvalue().decode("utf-8")
    assert text.startswith("\ufefforder_number,customer_external_id,ordered_at,sku,")
    assert "O1,C001,2024-03-01T13:45:10+09:00,P1,2,2500.00,0.00,online,completed" in text


@pytest.mark.django_db
def test_export_follows_filters_and_visibility(loaded, users_by_role):
    sales = users_by_role[Role.SALES]
    Customer.objects.filter(external_id="C003").update(owner=sales)
    out = io.BytesIO()
    assert export_customers(out=out, user=sales) == 1
    assert "Jisoo Kim" in out.getvalue().decode()
    out = io.BytesIO()
    admin = users_by_role[Role.ADMIN]
    assert export_customers(out=out, user=admin, filters=CustomerFilters(region="seoul")) == 1
    out = io.BytesIO()
    assert export_orders(out=out, user=sales) == 1


@pytest.mark.django_db
def test_vcard_is_folded_and_escaped(loaded):
    out = io.BytesIO()
    export_customers(out=out, fmt="vcard", vcard_version="4.0")
    text = out.getvalue().decode()
    assert "FN:<b>=1+1\\;DROP</b>\\, 'x'\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "GENDER:M\r\n" in text
