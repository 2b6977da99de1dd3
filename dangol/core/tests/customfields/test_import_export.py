"""Custom fields survive export and import (issue 10 section 5), on both databases."""

from __future__ import annotations

import io

import pytest

from dangol.core.customfields.services import custom_field_create
from dangol.customers.models import Customer
from dangol.customers.tests.factories import CustomerFactory
from dangol.integration.errors import ImportFileError, RejectedRowsError
from dangol.integration.exporters import export_customers
from dangol.integration.importers import import_file

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fields(admin_user):
    choices = ["gold|Gold|골드", "silver|Silver|실버", "bronze|Bronze|브론즈"]
    specs = [
        ("note", "text", {}),
        ("visits", "number", {}),
        ("ratio", "number", {}),
        ("credit", "money", {}),
        ("joined", "date", {}),
        ("level", "choice", {"choices": choices}),
        ("tags", "multichoice", {"choices": choices}),
        ("vip", "boolean", {}),
        ("rep", "user", {}),
        ("referrer", "customer", {}),
    ]
    for key, kind, extra in specs:
        custom_field_create(
            actor=admin_user,
            entity="customer",
            key=key,
            label=key.title(),
            field_type=kind,
            **extra,
        )


def _values() -> dict[str, dict]:
    return {c.external_id: c.custom_fields for c in Customer.objects.order_by("external_id")}


def test_custom_fields_survive_export_and_import(fields, admin_user, tmp_path):
    referrer = CustomerFactory(external_id="R1", custom_fields={})
    CustomerFactory(
        external_id="A1",
        custom_fields={
            "note": '한글, "quoted"',
            "visits": 12,
            "ratio": 0.25,
            "credit": 1234.5,
            "joined": "2025-02-28",
            "level": "gold",
            "tags": ["silver", "bronze"],
            "vip": True,
            "rep": admin_user.pk,
            "referrer": referrer.pk,
        },
    )
    CustomerFactory(external_id="A2", custom_fields={"vip": False, "credit": 0.05, "tags": []})
    CustomerFactory(external_id="A3", custom_fields={})
    before = _values()
    before["A2"].pop("tags")  # an empty list is no value: it exports as an empty cell
    path = tmp_path / "customers.csv"
    with path.open("wb") as out:
        assert export_customers(out=out) == 4
    header = path.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.endswith(
        "cf_note,cf_visits,cf_ratio,cf_credit,cf_joined,cf_level,cf_tags,cf_vip,cf_rep,cf_referrer"
    )

    Customer.objects.update(custom_fields={})
    result = import_file(kind="customers", path=path)

    assert (result.inserted, result.updated, result.rejected) == (0, 2, 0)
    assert _values() == before
    # The same file again changes nothing.
    again = import_file(kind="customers", path=path)
    assert (again.updated, again.unchanged) == (0, 4)


def test_import_into_empty_database_keeps_custom_fields(fields, tmp_path):
    CustomerFactory(external_id="A1", custom_fields={"level": "silver", "credit": 10.0})
    path = tmp_path / "customers.csv"
    with path.open("wb") as out:
        export_customers(out=out)
    Customer.objects.all().delete()

    import_file(kind="customers", path=path)

    assert _values() == {"A1": {"level": "silver", "credit": 10.0}}


def test_bad_cells_are_rejected_with_line_and_column(fields, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        "external_id,name,cf_level,cf_credit,cf_joined,cf_tags,cf_rep\n"
        "B1,Kim,골드,12.345,2025-13-01,gold;x,999999\n"
        'B2,Lee,Silver,3,2025-01-02,"gold, silver",\n',
        encoding="utf-8",
    )

    with pytest.raises(RejectedRowsError) as caught:
        import_file(kind="customers", path=path)

    rejects = caught.value.result.rejects
    assert rejects[["line", "column"]].values.tolist() == [
        [2, "cf_credit"],
        [2, "cf_joined"],
        [2, "cf_rep"],
        [2, "cf_tags"],
    ]
    assert not Customer.objects.exists()

    result = import_file(kind="customers", path=path, skip_bad=True)
    assert result.inserted == 1
    assert _values() == {
        "B2": {"level": "silver", "credit": 3.0, "joined": "2025-01-02", "tags": ["gold", "silver"]}
    }


def test_unknown_custom_column_stops_the_import(fields, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("external_id,name,cf_nope\nB1,Kim,1\n", encoding="utf-8")

    with pytest.raises(ImportFileError, match="cf_nope"):
        import_file(kind="customers", path=path)


def test_empty_cell_leaves_the_stored_value(fields, tmp_path):
    CustomerFactory(external_id="A1", name="Kim", custom_fields={"level": "gold", "visits": 3})
    path = tmp_path / "in.csv"
    path.write_text("external_id,name,cf_level,cf_visits\nA1,Kim,,4\n", encoding="utf-8")

    import_file(kind="customers", path=path)

    assert _values() == {"A1": {"level": "gold", "visits": 4}}


def test_export_io_is_independent_of_custom_fields_when_none_defined(db, tmp_path):
    CustomerFactory(external_id="A1")
    out = io.BytesIO()
    export_customers(out=out)
    assert "cf_" not in out.getvalue().decode("utf-8-sig").splitlines()[0]


def test_product_custom_fields_survive_export_and_import(admin_user, tmp_path):
    from dangol.catalog.models import Product
    from dangol.catalog.tests.factories import ProductFactory
    from dangol.integration.exporters import export_products

    custom_field_create(
        actor=admin_user,
        entity="product",
        key="origin",
        label="Origin",
        field_type="choice",
        choices=["kr|Korea|국산", "us|USA|미국"],
    )
    custom_field_create(
        actor=admin_user, entity="product", key="weight", label="Weight", field_type="number"
    )
    ProductFactory(sku="P1", custom_fields={"origin": "kr", "weight": 1.5})
    ProductFactory(sku="P2", custom_fields={"weight": 3})
    before = {p.sku: p.custom_fields for p in Product.objects.all()}
    path = tmp_path / "products.csv"
    with path.open("wb") as out:
        export_products(out=out)

    Product.objects.update(custom_fields={})
    result = import_file(kind="products", path=path)

    assert result.updated == 2
    assert {p.sku: p.custom_fields for p in Product.objects.all()} == before
    assert import_file(kind="products", path=path).updated == 0
