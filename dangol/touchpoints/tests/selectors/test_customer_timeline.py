from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.models import Order
from dangol.sales.tests.factories import OrderFactory
from dangol.touchpoints.selectors import customer_timeline
from dangol.touchpoints.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_customer_timeline_is_newest_first_and_limited():
    customer = CustomerFactory()
    now = timezone.now()
    for days, subject in [(3, "old"), (1, "newest"), (2, "middle"), (5, "oldest")]:
        InteractionFactory(customer=customer, subject=subject, occurred_at=now - timedelta(days))
    InteractionFactory(subject="someone else")

    assert [i.subject for i in customer_timeline(customer=customer)] == [
        "newest",
        "middle",
        "old",
        "oldest",
    ]
    assert [i.subject for i in customer_timeline(customer=customer, limit=2)] == [
        "newest",
        "middle",
    ]


def test_customer_timeline_links_interactions_to_their_order(sales):
    customer = CustomerFactory()
    order = OrderFactory(customer=customer)
    about_order = InteractionFactory(
        customer=customer,
        subject="delivery question",
        subject_type=ContentType.objects.get_for_model(Order),
        subject_id=order.pk,
        user=sales,
    )
    InteractionFactory(
        customer=customer,
        subject="about a customer",
        subject_type=ContentType.objects.get_for_model(customer),
        subject_id=customer.pk,
        occurred_at=about_order.occurred_at - timedelta(hours=1),
    )

    items = customer_timeline(customer=customer)

    assert [(i.subject, i.related_order_id) for i in items] == [
        ("delivery question", order.pk),
        ("about a customer", None),
    ]
    assert items[0].user == sales
