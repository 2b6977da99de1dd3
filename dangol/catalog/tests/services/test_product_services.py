from __future__ import annotations

from decimal import Decimal

import pytest

from dangol.catalog import services
from dangol.catalog.errors import CatalogErrorCode, PermissionDeniedError, ValidationError
from dangol.catalog.models import Category, Product
from dangol.catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _create(actor, **overrides):
    fields = {
        "sku": "MILK-1L",
        "name": "서울우유 1L",
        "unit_price": "2980",
        "unit_cost": Decimal("2100.50"),
    }
    fields.update(overrides)
    return services.product_create(actor=actor, **fields)


def test_product_create_with_a_category_path(manager):
    product = _create(manager, sku=" MILK-1L ", category="Dairy > Milk")
    product.refresh_from_db()
    assert (product.sku, product.name, product.unit_price, product.unit_cost, product.active) == (
        "MILK-1L",
        "서울우유 1L",
        Decimal("2980.00"),
        Decimal("2100.50"),
        True,
    )
    assert product.category.path == "Dairy > Milk"


def test_product_create_with_a_category_instance_or_none(admin_user):
    category = CategoryFactory(name="Bakery")
    assert _create(admin_user, category=category).category_id == category.pk
    assert _create(admin_user, sku="X-2", category=None).category_id is None


def test_cost_may_exceed_price_for_a_loss_leader(admin_user):
    product = _create(admin_user, unit_price="990", unit_cost="1200")
    assert product.unit_margin == Decimal("-210.00")


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("sku", "  ", CatalogErrorCode.REQUIRED),
        ("sku", "S" * 65, CatalogErrorCode.TOO_LONG),
        ("name", "", CatalogErrorCode.REQUIRED),
        ("unit_price", "-1", CatalogErrorCode.NEGATIVE_AMOUNT),
        ("unit_cost", Decimal("-0.01"), CatalogErrorCode.NEGATIVE_AMOUNT),
        ("unit_price", "abc", CatalogErrorCode.INVALID_AMOUNT),
        ("unit_price", "1.005", CatalogErrorCode.INVALID_AMOUNT),
        ("unit_price", "NaN", CatalogErrorCode.INVALID_AMOUNT),
        ("unit_cost", None, CatalogErrorCode.INVALID_AMOUNT),
        ("unit_price", "1e12", CatalogErrorCode.INVALID_AMOUNT),
        ("active", "yes", CatalogErrorCode.INVALID),
        ("category", "Dairy > ", CatalogErrorCode.EMPTY_CATEGORY_SEGMENT),
    ],
)
def test_product_create_rejects_bad_field_and_writes_nothing(admin_user, field, value, code):
    with pytest.raises(ValidationError) as err:
        _create(admin_user, **{field: value})
    expected_field = "category" if field == "category" else field
    assert (err.value.code, err.value.field) == (code, expected_field)
    assert Product.objects.count() == 0
    assert Category.objects.count() == 0


def test_duplicate_sku_is_rejected_before_the_category_is_created(admin_user):
    ProductFactory(sku="MILK-1L", category=None)
    with pytest.raises(ValidationError) as err:
        _create(admin_user, category="Dairy > Milk")
    assert (err.value.code, err.value.field) == (CatalogErrorCode.DUPLICATE_SKU, "sku")
    assert Product.objects.count() == 1
    assert Category.objects.count() == 0


@pytest.mark.parametrize("role_user", ["sales", "service", "marketing", "analyst"])
def test_only_admins_and_managers_write_products(request, role_user):
    actor = request.getfixturevalue(role_user)
    with pytest.raises(PermissionDeniedError) as err:
        _create(actor)
    assert err.value.code == CatalogErrorCode.PERMISSION_DENIED
    product = ProductFactory(name="Old")
    with pytest.raises(PermissionDeniedError):
        services.product_update(actor=actor, product=product, name="New")
    product.refresh_from_db()
    assert product.name == "Old"


def test_product_update_changes_given_fields(manager):
    product = ProductFactory(sku="A-1", name="Old", unit_price=Decimal("10.00"))
    services.product_update(
        actor=manager, product=product, name=" New ", unit_price=12, category="Snacks", active=False
    )
    product.refresh_from_db()
    assert (product.name, product.unit_price, product.category.path, product.active) == (
        "New",
        Decimal("12.00"),
        "Snacks",
        False,
    )


def test_product_update_keeps_own_sku_but_refuses_another(manager):
    ProductFactory(sku="TAKEN")
    product = ProductFactory(sku="MINE")
    services.product_update(actor=manager, product=product, sku="MINE", name="Renamed")
    with pytest.raises(ValidationError) as err:
        services.product_update(actor=manager, product=product, sku="TAKEN", name="Lost")
    assert (err.value.code, err.value.field) == (CatalogErrorCode.DUPLICATE_SKU, "sku")
    product.refresh_from_db()
    assert (product.sku, product.name) == ("MINE", "Renamed")


def test_product_update_rejects_unknown_fields(manager):
    product = ProductFactory()
    with pytest.raises(ValidationError) as err:
        services.product_update(actor=manager, product=product, colour="red")
    assert (err.value.code, err.value.field) == (CatalogErrorCode.INVALID, "colour")
