"""The customer 360 page and the search run a fixed number of queries, whatever the data.

The load test (benchmarks/load) keeps these pages under 200 ms at p99 with 100 users on
1,000,000 customers; a query per order, interaction or consent would undo that. Each test
warms the page once (the content-type cache, the user's role), then counts.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dangol.customers.choices import ConsentChannel
from dangol.customers.models import ConsentEvent
from dangol.customers.selectors import customer_consent_latest
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.tests.factories import OrderFactory, OrderLineFactory
from dangol.touchpoints.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

# session, user, customer, the user's role, consents, score, orders with totals, timeline,
# recommendations, the custom-field definitions (one query, any number); the orders are
# counted by a query of their own only when the page's list of them is full.
DETAIL_QUERIES = 10
# session, user, customer groups (filter choices), the user's role, owner choices, then
# SQLite: one query per search branch (name, external id, email for "Kim"), one keeping
# the prefix branches' ids that are not in the trash, and the page's rows; PostgreSQL: the
# branches' matches counted (up to PG_FEW_MATCHES) in one query, then the branches' ids in
# one query and the page's rows; the custom-field definitions (one query for the filters,
# their condition and the list columns, any number of fields).
SEARCH_QUERIES = {"sqlite": 11, "postgresql": 9}


def _add_history(customer, *, orders: int, start: int = 0) -> None:
    now = timezone.now()
    for i in range(start, start + orders):
        order = OrderFactory(customer=customer, number=f"ORD-{i}", ordered_at=now - timedelta(i))
        OrderLineFactory(order=order, quantity=1, unit_price=Decimal("1000"))
        InteractionFactory(customer=customer, subject=f"Call {i}", occurred_at=now - timedelta(i))
        for channel in ConsentChannel.values:
            ConsentEvent.objects.create(
                customer=customer,
                channel=channel,
                granted=i % 2 == 0,
                source=f"form {i}",
                occurred_at=now - timedelta(days=i),
            )


def test_the_360_page_runs_the_same_queries_for_a_long_history(
    client, sales, django_assert_num_queries
):
    customer = CustomerFactory(owner=sales)
    _add_history(customer, orders=1)
    client.force_login(sales)
    url = reverse("customers:detail", args=[customer.pk])
    assert client.get(url).status_code == 200  # warm the per-process caches

    with django_assert_num_queries(DETAIL_QUERIES):
        assert client.get(url).status_code == 200
    _add_history(customer, orders=8, start=1)
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["orders"]) == 9
    assert len(response.context["timeline"]) == 9


def test_the_search_runs_the_same_queries_for_more_matches(
    client, admin_user, django_assert_num_queries
):
    for i in range(2):
        CustomerFactory(name=f"Kim {i}", email=f"kim{i}@example.test")
    client.force_login(admin_user)
    url = reverse("customers:list")
    assert client.get(url, {"q": "Kim"}).status_code == 200

    with django_assert_num_queries(SEARCH_QUERIES[connection.vendor]):
        client.get(url, {"q": "Kim"})
    for i in range(2, 30):
        CustomerFactory(name=f"Kim {i}", email=f"kim{i}@example.test")
    with django_assert_num_queries(SEARCH_QUERIES[connection.vendor]):
        response = client.get(url, {"q": "Kim"})
    assert len(response.context["page"].items) == 25


def test_latest_consent_per_channel_in_one_query(sales, django_assert_num_queries):
    customer = CustomerFactory(owner=sales)
    now = timezone.now()
    for days, granted, source in ((30, True, "signup"), (2, False, "call"), (9, True, "web")):
        ConsentEvent.objects.create(
            customer=customer,
            channel=ConsentChannel.EMAIL,
            granted=granted,
            source=source,
            occurred_at=now - timedelta(days=days),
        )
    # Two events at the same moment: the later one (higher id) counts.
    for source in ("first", "second"):
        ConsentEvent.objects.create(
            customer=customer,
            channel=ConsentChannel.SMS,
            granted=True,
            source=source,
            occurred_at=now,
        )
    ConsentEvent.objects.create(  # another customer's newer event is not theirs
        customer=CustomerFactory(owner=sales),
        channel=ConsentChannel.POST,
        granted=True,
        source="other",
        occurred_at=now,
    )

    with django_assert_num_queries(1):
        latest = customer_consent_latest(customer=customer)

    assert {channel: e and (e.granted, e.source) for channel, e in latest.items()} == {
        "email": (False, "call"),
        "sms": (True, "second"),
        "phone": None,
        "post": None,
    }


def test_the_list_reads_the_custom_field_definitions_once(client, admin_user):
    from django.test.utils import CaptureQueriesContext

    from dangol.core.customfields.models import CustomFieldDefinition

    for key, kind in (("budget", "number"), ("grade", "text")):
        CustomFieldDefinition.objects.create(
            entity="customer",
            key=key,
            label=key,
            field_type=kind,
            filterable=True,
            show_in_list=True,
        )
    CustomerFactory(name="Kim", custom_fields={"budget": 5, "grade": "A"})
    CustomerFactory(name="Lee", custom_fields={"budget": 50, "grade": "B"})
    client.force_login(admin_user)
    url = reverse("customers:list")
    client.get(url)
    table = CustomFieldDefinition._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"cf_budget_min": "10", "cf_grade": "B"})
    assert [c.name for c in response.context["page"].items] == ["Lee"]
    assert sum(table in q["sql"] for q in queries.captured_queries) == 1
