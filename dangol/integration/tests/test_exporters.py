"""Exports and round trips: export, import again, nothing changes."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

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


def _download(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "jisoo"}, ["C003"]),  # a name anywhere, any case (three characters or more)
        ({"q": "홍"}, ["C001"]),  # the start of a name
        ({"q": "C00"}, ["C001", "C002", "C003", "C004"]),  # an external id prefix
        ({"q": "info@dangol"}, ["C002"]),  # an email prefix
        ({"q": "010-1234"}, ["C001"]),  # phone digits
        ({"q": "C00", "region": "busan"}, ["C003"]),  # search and a filter together
        ({"q": "C00", "kind": "company"}, ["C002"]),
        ({"q": "nobody-like-this"}, []),
    ],
)
def test_the_list_export_carries_the_search_and_every_filter(
    loaded, client, users_by_role, params, expected
):
    client.force_login(users_by_role[Role.ADMIN])
    listed = client.get(reverse("customers:list"), params).content.decode()
    body = _download(client.get(reverse("customers:export", args=["csv"]), params))
    assert body.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Korean right
    exported = [line.split(",")[0] for line in body.decode("utf-8-sig").splitlines()[1:]]
    assert sorted(exported) == expected
    for external_id in ("C001", "C002", "C003", "C004"):  # the same rows as the list shows
        assert (f'<div class="muted small">{external_id}</div>' in listed) == (
            external_id in expected
        )
    link = reverse("customers:export", args=["csv"]) + "?"
    assert link in listed  # the page links the export with its own query string


@pytest.mark.django_db
@pytest.mark.parametrize(("suffix", "fmt"), [("csv", "csv"), ("xlsx", "xlsx"), ("vcf", "vcard")])
def test_filtered_export_round_trips(loaded, client, users_by_role, tmp_path, suffix, fmt):
    client.force_login(users_by_role[Role.ADMIN])
    params = {"q": "C00", "status": "customer"}
    path = tmp_path / f"filtered.{suffix}"
    path.write_bytes(_download(client.get(reverse("customers:export", args=[suffix]), params)))
    before = state()
    result = import_file(kind="customers", path=path)
    assert (result.rows_read, result.unchanged, result.inserted, result.updated) == (1, 1, 0, 0)
    assert state() == before  # identical data: not even version or updated_at moved
    fields = [
        f.name for f in Customer._meta.fields if f.name not in ("id", "created_at", "updated_at")
    ]
    kept = list(Customer.objects.filter(external_id="C001").values_list(*fields))
    Order.objects.filter(customer__external_id="C001").delete()
    Customer.objects.filter(external_id="C001").delete()
    import_file(kind="customers", path=path)
    assert list(Customer.objects.filter(external_id="C001").values_list(*fields)) == kept


@pytest.mark.django_db
def test_order_list_export_carries_its_filters_and_visibility(loaded, client, users_by_role):
    Order.objects.filter(number="O2").update(status="cancelled")
    admin, sales = users_by_role[Role.ADMIN], users_by_role[Role.SALES]
    client.force_login(admin)
    url = reverse("sales:order_export", args=["csv"])

    def numbers(params) -> list[str]:
        body = _download(client.get(url, params)).decode("utf-8-sig").splitlines()[1:]
        return [line.split(",")[0] for line in body]

    assert numbers({}) == ["O1", "O1", "O2"]
    assert numbers({"status": "cancelled"}) == ["O2"]
    c001 = Customer.objects.get(external_id="C001").pk
    assert numbers({"customer": c001}) == ["O1", "O1"]
    assert numbers({"customer": c001, "status": "cancelled"}) == []
    page = client.get(reverse("sales:order_list"), {"status": "cancelled"}).content.decode()
    assert f"{url}?status=cancelled" in page
    Customer.objects.filter(external_id="C003").update(owner=sales)
    client.force_login(sales)  # a sales user exports only their own customers' orders
    assert numbers({}) == ["O2"]
    xlsx = _download(client.get(reverse("sales:order_export", args=["xlsx"])))
    assert xlsx.startswith(b"PK")
