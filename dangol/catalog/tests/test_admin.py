"""The catalogue admin: pages load and saves go through ``dangol.catalog.services``."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from dangol.accounts.tests.factories import UserFactory
from dangol.catalog.models import Category, Product
from dangol.catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def _product_data(**overrides) -> dict:
    data = {
        "sku": "MILK-1L",
        "name": "서울우유 1L",
        "category": "",
        "unit_price": "2980",
        "unit_cost": "3100",
        "active": "on",
        "custom_fields": "{}",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("model", [Category, Product], ids=lambda m: m.__name__)
def test_changelist_and_add_pages_load(root_client, model):
    ProductFactory(category=CategoryFactory(name="Dairy"))
    name = model._meta.model_name
    response = root_client.get(reverse(f"admin:catalog_{name}_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert root_client.get(reverse(f"admin:catalog_{name}_add")).status_code == 200


def test_product_list_queries_do_not_grow_with_the_rows(root_client, django_assert_num_queries):
    category = CategoryFactory(name="Dairy")
    ProductFactory.create_batch(20, category=category)
    # Session, user, count, page (with categories joined), the category filter.
    with django_assert_num_queries(5):
        root_client.get(reverse("admin:catalog_product_changelist"))


def test_category_add_builds_the_path(root_client):
    dairy = CategoryFactory(name="Dairy")
    response = root_client.post(
        reverse("admin:catalog_category_add"), {"name": " Milk ", "parent": dairy.pk}
    )
    assert response.status_code == 302
    milk = Category.objects.get(name="Milk")
    assert (milk.path, milk.depth, milk.parent_id) == ("Dairy > Milk", 1, dairy.pk)


def test_product_add_goes_through_the_service(root_client):
    category = CategoryFactory(name="Dairy")
    response = root_client.post(
        reverse("admin:catalog_product_add"), _product_data(category=category.pk)
    )
    assert response.status_code == 302
    product = Product.objects.get()
    # A loss leader: the service accepts a cost above the price.
    assert (product.sku, product.unit_price, product.unit_cost, product.category_id) == (
        "MILK-1L",
        Decimal("2980.00"),
        Decimal("3100.00"),
        category.pk,
    )


def test_product_change_goes_through_the_service(root_client):
    product = ProductFactory(sku="A-1", name="Old", category=None)
    url = reverse("admin:catalog_product_change", args=[product.pk])
    response = root_client.post(url, _product_data(sku="A-1", name="New", unit_price="10"))
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.unit_price) == ("New", Decimal("10.00"))


def test_staff_without_a_catalogue_role_are_refused_by_the_service(client, sales):
    sales.is_staff = True
    sales.save()
    sales.user_permissions.add(*Permission.objects.filter(codename__endswith="_product"))
    client.force_login(sales)
    response = client.post(reverse("admin:catalog_product_add"), _product_data())
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Only administrators and managers may change the catalogue"
    ]
    assert Product.objects.count() == 0
