"""The orders endpoints: placing orders with lines, derived totals, status moves."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from dangol.catalog.tests.factories import ProductFactory
from dangol.core.tests.api_support import clean_throttle, token_client
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.models import Order
from dangol.sales.tests.factories import OrderFactory, OrderLineFactory
from dangol.touchpoints.models import Interaction

__all__ = ["clean_throttle"]

LIST = "/api/v1/orders/"


@pytest.mark.django_db(transaction=True)
def test_placing_an_order_writes_lines_totals_and_a_timeline_entry(sales):
    customer = CustomerFactory(owner=sales)
    milk = ProductFactory(unit_price=Decimal("1500.00"))
    bread = ProductFactory(unit_price=Decimal("3000.00"))

    response = token_client(sales).post(
        LIST,
        {
            "customer": customer.pk,
            "number": "API-0001",
            "channel": "online",
            "lines": [
                {"product": milk.pk, "quantity": 2},
                {"product": bread.pk, "quantity": 1, "unit_price": "2800", "discount": "300"},
            ],
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["total"] == "5500.00"  # 2 x 1500 + (2800 - 300)
    assert body["line_count"] == 2
    assert [line["total"] for line in body["lines"]] == ["3000.00", "2500.00"]
    assert body["status"] == "pending"
    order = Order.objects.get(pk=body["id"])
    entry = Interaction.objects.get(customer=customer)
    assert entry.subject_type == ContentType.objects.get_for_model(Order)
    assert entry.subject_id == order.pk


@pytest.mark.django_db
class TestOrderApi:
    def test_line_errors_name_the_line_and_field(self, sales):
        customer = CustomerFactory(owner=sales)
        product = ProductFactory(unit_price=Decimal("100.00"))
        client = token_client(sales)
        base = {"customer": customer.pk, "number": "API-2", "channel": "store"}

        too_much_discount = client.post(
            LIST, {**base, "lines": [{"product": product.pk, "quantity": 1, "discount": "500"}]}
        )
        zero_quantity = client.post(
            LIST, {**base, "lines": [{"product": product.pk, "quantity": 0}]}
        )
        no_lines = client.post(LIST, {**base, "lines": []})

        assert too_much_discount.status_code == 400
        assert list(too_much_discount.json()["errors"]) == ["lines[0].discount"]
        assert too_much_discount.json()["code"] == "discount_too_large"
        assert list(zero_quantity.json()["errors"]) == ["lines[0].quantity"]
        assert no_lines.json()["code"] == "no_lines"
        assert not Order.objects.exists()

    def test_a_customer_you_cannot_see_is_an_invalid_id(self, sales, other_sales):
        theirs = CustomerFactory(owner=other_sales)
        product = ProductFactory()

        response = token_client(sales).post(
            LIST,
            {
                "customer": theirs.pk,
                "number": "API-3",
                "channel": "store",
                "lines": [{"product": product.pk, "quantity": 1}],
            },
        )

        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["customer"]

    def test_status_moves_follow_the_services_transitions(self, sales):
        order = OrderFactory(customer=CustomerFactory(owner=sales), status="pending")
        OrderLineFactory(order=order)
        client = token_client(sales)

        cancelled = client.patch(f"{LIST}{order.pk}/", {"status": "cancelled"})
        reopened = client.patch(f"{LIST}{order.pk}/", {"status": "paid"})

        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "cancelled"
        assert reopened.status_code == 400
        assert reopened.json()["code"] == "invalid_transition"

    def test_list_filters_and_pages(self, admin_user):
        customer = CustomerFactory()
        orders = [OrderFactory(customer=customer, status="paid") for _ in range(3)]
        OrderFactory(status="paid")
        for order in orders:
            OrderLineFactory(order=order, quantity=2, unit_price=Decimal("10.00"))
        client = token_client(admin_user)

        first = client.get(LIST, {"customer": customer.pk, "page_size": 2}).json()
        rest = client.get(first["next"]).json()

        assert [o["id"] for o in first["results"] + rest["results"]] == [
            o.pk for o in reversed(orders)
        ]
        assert {o["total"] for o in first["results"]} == {"20.00"}
        assert rest["next"] is None
