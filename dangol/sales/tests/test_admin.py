"""The order admin: totals without N+1, placing orders and moving status via the services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from dangol.accounts.tests.factories import UserFactory
from dangol.catalog.tests.factories import ProductFactory
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.models import Order, OrderLine
from dangol.sales.tests.factories import OrderFactory, OrderLineFactory
from dangol.touchpoints.models import Interaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def _order_data(customer, lines, **overrides) -> dict:
    data = {
        "number": "ORD-100",
        "customer": customer.pk,
        "ordered_at_0": "2026-06-01",
        "ordered_at_1": "14:00:00",
        "channel": "online",
        "status": "paid",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index in range(3):
        # An untouched extra row posts its initial discount, as the browser does.
        data[f"lines-{index}-discount"] = "0"
    for index, line in enumerate(lines):
        for field, value in line.items():
            data[f"lines-{index}-{field}"] = value
    data.update(overrides)
    return data


def test_changelist_shows_derived_totals_in_constant_queries(
    root_client, django_assert_num_queries
):
    first = OrderFactory(number="A")
    OrderLineFactory(order=first, quantity=2, unit_price=Decimal("1500"), discount=Decimal("100"))
    OrderLineFactory(order=first, quantity=1, unit_price=Decimal("700"))
    OrderFactory(number="EMPTY")
    for order in OrderFactory.create_batch(20):
        OrderLineFactory(order=order)
    # Session, user, count, page (customers joined, totals as a subquery).
    with django_assert_num_queries(4):
        response = root_client.get(reverse("admin:sales_order_changelist"))
    assert response.status_code == 200
    totals = {order.number: order.total for order in response.context["cl"].result_list}
    assert (totals["A"], totals["EMPTY"]) == (Decimal("3600.00"), None)


def test_add_and_change_pages_load(root_client):
    order = OrderFactory()
    OrderLineFactory(order=order)
    assert root_client.get(reverse("admin:sales_order_add")).status_code == 200
    response = root_client.get(reverse("admin:sales_order_change", args=[order.pk]))
    assert response.status_code == 200
    found = root_client.get(reverse("admin:sales_order_changelist"), {"q": order.number})
    assert [o.pk for o in found.context["cl"].result_list] == [order.pk]


def test_admin_places_an_order_through_the_service(root_client, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    milk, bread = ProductFactory(sku="MILK"), ProductFactory(sku="BREAD")
    lines = [
        {"product": milk.pk, "quantity": "2", "unit_price": "2980", "discount": "0"},
        {"product": bread.pk, "quantity": "1", "unit_price": "4500", "discount": "500"},
    ]
    root_client.cookies["django_language"] = "en"  # the entry is written in the user's language
    with django_capture_on_commit_callbacks(execute=True):
        response = root_client.post(reverse("admin:sales_order_add"), _order_data(customer, lines))
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.number, order.customer_id, order.status) == ("ORD-100", customer.pk, "paid")
    assert list(order.lines.order_by("id").values_list("product__sku", "quantity", "discount")) == [
        ("MILK", 2, Decimal("0.00")),
        ("BREAD", 1, Decimal("500.00")),
    ]
    entry = Interaction.objects.get()
    assert (entry.customer_id, entry.channel, entry.subject, entry.subject_id) == (
        customer.pk,
        "web",
        "Order ORD-100 placed",
        order.pk,
    )


def test_an_order_without_lines_is_refused_and_nothing_is_written(root_client):
    response = root_client.post(
        reverse("admin:sales_order_add"), _order_data(CustomerFactory(), [])
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "An order needs at least one line"
    ]
    assert (Order.objects.count(), OrderLine.objects.count(), Interaction.objects.count()) == (
        0,
        0,
        0,
    )


def _status_data(order, status) -> dict:
    return {
        "status": status,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }


def test_status_changes_follow_the_service_rules(root_client):
    order = OrderFactory(status="pending")
    OrderLineFactory(order=order)
    url = reverse("admin:sales_order_change", args=[order.pk])
    assert root_client.post(url, _status_data(order, "cancelled")).status_code == 302
    response = root_client.post(url, _status_data(order, "paid"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["status"] == [
        "An order that is cancelled cannot become paid"
    ]
    assert Order.objects.get(pk=order.pk).status == "cancelled"


def test_order_lines_list_is_read_only_and_searchable_by_order(
    root_client, django_assert_num_queries
):
    line = OrderLineFactory(order=OrderFactory(number="ORD-9"), quantity=3)
    OrderLineFactory.create_batch(10)
    url = reverse("admin:sales_orderline_changelist")
    # Session, user, count, page (orders and products joined).
    with django_assert_num_queries(4):
        response = root_client.get(url)
    assert response.status_code == 200
    found = root_client.get(url, {"q": "ORD-9"}).context["cl"].result_list
    assert [(row.pk, row.quantity) for row in found] == [(line.pk, 3)]
    assert root_client.get(reverse("admin:sales_orderline_add")).status_code == 403
