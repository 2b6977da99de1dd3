from __future__ import annotations

import factory

from dangol.customers.choices import CustomerKind, LifecycleStatus, Region
from dangol.customers.models import Customer, CustomerGroup


class CustomerGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerGroup
        django_get_or_create = ("code",)

    code = "retail"
    name = "Retail"
    name_ko = "소매"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    kind = CustomerKind.PERSON
    external_id = factory.Sequence(lambda n: f"C{n:07d}")
    name = factory.Sequence(lambda n: f"Customer {n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.test")
    phone = factory.Sequence(lambda n: f"010-5555-{n:04d}")
    phone_digits = factory.LazyAttribute(lambda c: c.phone.replace("-", ""))
    region = Region.SEOUL
    city = "Gangnam-gu"
    status = LifecycleStatus.CUSTOMER
    customer_group = factory.SubFactory(CustomerGroupFactory)
