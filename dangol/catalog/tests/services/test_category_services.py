from __future__ import annotations

import pytest

from dangol.catalog import services
from dangol.catalog.errors import CatalogErrorCode, PermissionDeniedError, ValidationError
from dangol.catalog.models import Category

pytestmark = pytest.mark.django_db


def test_path_creates_every_missing_level_with_path_and_depth():
    leaf = services.category_get_or_create_path(path="Dairy > Milk > Organic")
    rows = list(Category.objects.order_by("depth").values_list("name", "path", "depth", "parent"))
    dairy, milk = Category.objects.get(path="Dairy"), Category.objects.get(path="Dairy > Milk")
    assert rows == [
        ("Dairy", "Dairy", 0, None),
        ("Milk", "Dairy > Milk", 1, dairy.pk),
        ("Organic", "Dairy > Milk > Organic", 2, milk.pk),
    ]
    assert leaf.path == "Dairy > Milk > Organic"


def test_path_reuses_existing_nodes_and_ignores_spacing():
    first = services.category_get_or_create_path(path="Dairy > Milk")
    again = services.category_get_or_create_path(path="  Dairy>Milk ")
    sibling = services.category_get_or_create_path(path="Dairy > Cheese")
    assert again.pk == first.pk
    assert sibling.parent_id == first.parent_id
    assert Category.objects.count() == 3


@pytest.mark.parametrize("path", ["Dairy > > Organic", "> Milk", "Dairy >", " > "])
def test_path_with_an_empty_segment_is_rejected_and_writes_nothing(path):
    with pytest.raises(ValidationError) as err:
        services.category_get_or_create_path(path=path)
    assert (err.value.code, err.value.field) == (
        CatalogErrorCode.EMPTY_CATEGORY_SEGMENT,
        "category",
    )
    assert Category.objects.count() == 0


def test_empty_path_is_required():
    with pytest.raises(ValidationError) as err:
        services.category_get_or_create_path(path="   ")
    assert err.value.code == CatalogErrorCode.REQUIRED


def test_path_segment_longer_than_the_name_field_is_rejected():
    with pytest.raises(ValidationError) as err:
        services.category_get_or_create_path(path="Dairy > " + "x" * 101)
    assert (err.value.code, err.value.field) == (CatalogErrorCode.TOO_LONG, "category")
    assert Category.objects.count() == 0


def test_category_create_under_a_parent(manager):
    dairy = services.category_create(actor=manager, name=" Dairy ")
    milk = services.category_create(actor=manager, name="Milk", parent=dairy)
    assert (milk.path, milk.depth, milk.parent_id) == ("Dairy > Milk", 1, dairy.pk)


def test_category_create_rejects_duplicates_and_separator(admin_user):
    services.category_create(actor=admin_user, name="Dairy")
    with pytest.raises(ValidationError) as err:
        services.category_create(actor=admin_user, name="Dairy")
    assert (err.value.code, err.value.field) == (CatalogErrorCode.DUPLICATE_CATEGORY, "name")
    with pytest.raises(ValidationError) as err:
        services.category_create(actor=admin_user, name="Milk > Organic")
    assert (err.value.code, err.value.field) == (CatalogErrorCode.INVALID, "name")
    assert Category.objects.count() == 1


@pytest.mark.parametrize("role_user", ["sales", "service", "marketing", "analyst"])
def test_only_admins_and_managers_create_categories(request, role_user):
    actor = request.getfixturevalue(role_user)
    with pytest.raises(PermissionDeniedError) as err:
        services.category_create(actor=actor, name="Dairy")
    assert err.value.code == CatalogErrorCode.PERMISSION_DENIED
    assert Category.objects.count() == 0
