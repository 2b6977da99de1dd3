"""``output_data`` gives the JSON the DRF serializers give, for every read under load."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from dangol.core.api import read
from dangol.core.api.read import output_data
from dangol.core.customfields.services import custom_field_create
from dangol.customers.api import CustomerOutputSerializer
from dangol.customers.tests.factories import CustomerFactory, CustomerGroupFactory
from dangol.sales.api import OrderOutputSerializer
from dangol.sales.models import Order
from dangol.sales.selectors import with_totals
from dangol.sales.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


def _json(data) -> bytes:
    return JSONRenderer().render(data)


@pytest.fixture
def customers(admin_user, sales):
    custom_field_create(
        actor=admin_user,
        entity="customer",
        key="level",
        label="Level",
        field_type="choice",
        choices=["gold|Gold|골드", "silver|Silver|실버"],
    )
    custom_field_create(
        actor=admin_user, entity="customer", key="credit", label="Credit", field_type="money"
    )
    company = CustomerFactory(kind="company", name="Acme & <Co>", customer_group=None)
    return [
        company,
        CustomerFactory(
            company=company,
            owner=sales,
            customer_group=CustomerGroupFactory(code="vip"),
            birth_date=dt.date(1990, 2, 3),
            external_id="X-1",
            consent_email=True,
            custom_fields={"level": "gold", "credit": "12.5", "gone": "an archived key"},
        ),
        CustomerFactory(email="", phone="", gender="", region="", external_id=None),
    ]


@pytest.mark.parametrize("tz", ["Asia/Seoul", "UTC"])
def test_customers_serialize_the_same(customers, tz):
    with timezone.override(tz), override("en"):
        for customer in customers:
            fast = output_data(CustomerOutputSerializer, customer)
            slow = CustomerOutputSerializer(customer).data
            assert fast == slow
            assert _json(fast) == _json(slow)
        many = output_data(CustomerOutputSerializer, customers, many=True)
        assert _json(many) == _json(CustomerOutputSerializer(customers, many=True).data)
    assert many[1]["custom_fields"] == {"level": "gold", "credit": "12.50"}
    assert many[1]["customer_group"] == "vip"
    assert many[0]["customer_group"] is None


def test_a_new_definition_shows_in_the_next_response(customers, admin_user):
    customer = customers[1]
    customer.custom_fields = {**customer.custom_fields, "note": "hello"}
    assert "note" not in output_data(CustomerOutputSerializer, customer)["custom_fields"]
    custom_field_create(
        actor=admin_user, entity="customer", key="note", label="Note", field_type="text"
    )
    assert output_data(CustomerOutputSerializer, customer)["custom_fields"]["note"] == "hello"


def test_orders_serialize_the_same(customers):
    for c in customers:
        OrderLineFactory(order=OrderFactory(customer=c), quantity=2, unit_price=Decimal("1.5"))
    orders = list(with_totals(Order.objects.order_by("id")))
    fast = output_data(OrderOutputSerializer, orders, many=True)
    assert _json(fast) == _json(OrderOutputSerializer(orders, many=True).data)


def test_a_serializer_with_other_fields_goes_through_drf():
    class WithMethod(serializers.Serializer):
        id = serializers.IntegerField()
        shout = serializers.SerializerMethodField()

        def get_shout(self, obj) -> str:
            return self.context["word"].upper()

    class Obj:
        id = 7

    assert read._plan(WithMethod) is None
    assert output_data(WithMethod, Obj(), context={"word": "hi"}) == {"id": 7, "shout": "HI"}
    assert read._plan(CustomerOutputSerializer) is not None
