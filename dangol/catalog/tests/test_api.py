"""The products endpoints: catalogue rules through HTTP, cursors, problem+json."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dangol.catalog.models import Product
from dangol.catalog.tests.factories import CategoryFactory, ProductFactory
from dangol.core.tests.api_support import PROBLEM, clean_throttle, token_client

__all__ = ["clean_throttle"]

LIST = "/api/v1/products/"


@pytest.mark.django_db
class TestProductApi:
    def test_create_with_a_category_path_creates_missing_levels(self, manager):
        response = token_client(manager).post(
            LIST,
            {
                "sku": "MILK-1",
                "name": "Organic milk",
                "category": "Dairy > Milk",
                "unit_price": "2500",
                "unit_cost": 1800.5,
            },
        )

        assert response.status_code == 201
        body = response.json()
        product = Product.objects.select_related("category").get(pk=body["id"])
        assert product.category.path == "Dairy > Milk"
        assert (product.unit_price, product.unit_cost) == (Decimal("2500.00"), Decimal("1800.50"))
        assert body["unit_price"] == "2500.00"
        assert body["category_path"] == "Dairy > Milk"

    def test_the_services_rules_answer_with_their_field(self, manager):
        ProductFactory(sku="TAKEN")
        client = token_client(manager)

        negative = client.post(
            LIST, {"sku": "N-1", "name": "x", "unit_price": "-1", "unit_cost": "0"}
        )
        duplicate = client.post(
            LIST, {"sku": "TAKEN", "name": "x", "unit_price": "1", "unit_cost": "0"}
        )
        empty_segment = client.post(
            LIST,
            {"sku": "E-1", "name": "x", "unit_price": "1", "unit_cost": "0", "category": "A >"},
        )

        assert (negative.status_code, negative.json()["code"]) == (400, "negative_amount")
        assert list(negative.json()["errors"]) == ["unit_price"]
        assert (duplicate.status_code, duplicate.json()["code"]) == (400, "duplicate_sku")
        assert empty_segment.json()["code"] == "empty_category_segment"
        assert negative["Content-Type"] == PROBLEM

    def test_patch_changes_only_what_is_sent(self, admin_user):
        product = ProductFactory(name="Old", unit_price=Decimal("10.00"))

        response = token_client(admin_user).patch(f"{LIST}{product.pk}/", {"name": "New"})

        assert response.status_code == 200
        product.refresh_from_db()
        assert (product.name, product.unit_price) == ("New", Decimal("10.00"))

    def test_list_filters_by_category_subtree_and_search(self, analyst):
        dairy = CategoryFactory(name="Dairy")
        milk = CategoryFactory(name="Milk", parent=dairy)
        in_subtree = ProductFactory(name="Whole milk", category=milk)
        ProductFactory(name="Bread", category=CategoryFactory(name="Bakery"))
        inactive = ProductFactory(name="Old milk", category=milk, active=False)
        client = token_client(analyst)

        by_category = client.get(LIST, {"category": dairy.pk}).json()["results"]
        active = client.get(LIST, {"category": dairy.pk, "active": "true"}).json()["results"]
        searched = client.get(LIST, {"q": "milk"}).json()["results"]

        assert [p["id"] for p in by_category] == [inactive.pk, in_subtree.pk]
        assert [p["id"] for p in active] == [in_subtree.pk]
        assert [p["id"] for p in searched] == [inactive.pk, in_subtree.pk]

    def test_missing_product_is_404(self, analyst):
        response = token_client(analyst).get(f"{LIST}999999/")

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
