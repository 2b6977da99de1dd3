from __future__ import annotations

from decimal import Decimal

import factory

from dangol.catalog.tests.factories import ProductFactory
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.choices import OrderStatus, SalesChannel
from dangol.sales.models import Order, OrderLine


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"ORD-{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    channel = SalesChannel.ONLINE
    status = OrderStatus.COMPLETED


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1
    unit_price = Decimal("1000.00")
    discount = Decimal("0.00")
