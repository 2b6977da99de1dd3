from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("sales:order_list")


@pytest.fixture(autouse=True)
def _english_and_fast_passwords(settings):
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def orders(sales, other_sales):
    mine = OrderFactory(customer=CustomerFactory(name="Kim", owner=sales), number="MINE-1")
    OrderLineFactory(order=mine, quantity=2, unit_price=Decimal("12500"), discount=Decimal("0"))
    OrderLineFactory(order=mine, quantity=1, unit_price=Decimal("990.50"), discount=Decimal("90"))
    theirs = OrderFactory(customer=CustomerFactory(name="Lee", owner=other_sales), number="OTH-1")
    OrderLineFactory(order=theirs, quantity=1, unit_price=Decimal("100"))
    return {"mine": mine, "theirs": theirs}


def _numbers(response) -> list[str]:
    return [o.number for o in response.context["page"].items]


def test_anonymous_is_redirected_to_login(client, orders):
    for url in (LIST_URL, reverse("sales:order_detail", args=[orders["mine"].pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("sales", ["MINE-1"]),
        ("other_sales", ["OTH-1"]),
        ("manager", ["MINE-1"]),
        ("marketing", ["OTH-1", "MINE-1"]),
        ("admin_user", ["OTH-1", "MINE-1"]),
    ],
)
def test_order_list_per_role(client, request, orders, viewer, expected):
    client.force_login(request.getfixturevalue(viewer))

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert _numbers(response) == expected


def test_order_list_shows_totals_and_filters(client, admin_user, orders):
    client.force_login(admin_user)

    body = client.get(LIST_URL).content.decode()
    by_customer = client.get(LIST_URL, {"customer": orders["mine"].customer_id})
    cancelled = client.get(LIST_URL, {"status": "cancelled"})

    assert "25,900.50 KRW" in body
    assert _numbers(by_customer) == ["MINE-1"]
    assert _numbers(cancelled) == []


@pytest.mark.parametrize(
    "params",
    [{"after": "x"}, {"before": "0"}, {"status": "lost"}, {"customer": "abc"}, {"after": "9" * 30}],
)
def test_order_list_bad_query_params_never_fail(client, admin_user, orders, params):
    client.force_login(admin_user)

    assert client.get(LIST_URL, params).status_code == 200


def test_order_detail_shows_lines_and_total(client, sales, orders):
    client.force_login(sales)

    response = client.get(reverse("sales:order_detail", args=[orders["mine"].pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert [line.line_total for line in response.context["order"].line_items] == [
        Decimal("25000.00"),
        Decimal("900.50"),
    ]
    assert response.context["order"].total == Decimal("25900.50")
    assert '<td class="num nowrap strong" id="order-total">25,900.50 KRW</td>' in body
    assert reverse("customers:detail", args=[orders["mine"].customer_id]) in body


@pytest.mark.parametrize(("viewer", "status"), [("other_sales", 404), ("service", 200)])
def test_order_detail_visibility(client, request, orders, viewer, status):
    client.force_login(request.getfixturevalue(viewer))

    response = client.get(reverse("sales:order_detail", args=[orders["mine"].pk]))

    assert response.status_code == status


def test_order_detail_of_missing_order_is_404(client, admin_user):
    client.force_login(admin_user)

    assert client.get(reverse("sales:order_detail", args=[424242])).status_code == 404
