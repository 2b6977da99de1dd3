"""Custom fields on the pages: edit form, 360 panel, list columns and filters."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangol.core.customfields.services import custom_field_create
from dangol.customers.models import Customer
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(admin_user):
    level = custom_field_create(
        actor=admin_user,
        entity="customer",
        key="level",
        label="Level",
        label_ko="등급",
        field_type="choice",
        choices=["gold|Gold|골드", "silver|Silver|실버"],
        show_in_list=True,
        filterable=True,
    )
    visits = custom_field_create(
        actor=admin_user,
        entity="customer",
        key="visits",
        label="Visits",
        field_type="number",
        filterable=True,
    )
    credit = custom_field_create(
        actor=admin_user, entity="customer", key="credit", label="Credit", field_type="money"
    )
    return level, visits, credit


def test_edit_form_writes_through_the_service(client, admin_user, fields):
    customer = CustomerFactory(custom_fields={"legacy": "kept"})
    client.force_login(admin_user)
    url = reverse("customfields:record_edit", args=["customer", customer.pk])

    page = client.get(url)
    assert set(page.context["form"].fields) == {"version", "cf_level", "cf_visits", "cf_credit"}
    assert page.context["form"].fields["version"].initial == customer.version
    bad = client.post(
        url, {"cf_level": "gold", "cf_visits": "3", "cf_credit": "1.234", "version": 1}
    )
    assert bad.status_code == 400
    assert Customer.objects.get(pk=customer.pk).custom_fields == {"legacy": "kept"}

    done = client.post(
        url, {"cf_level": "gold", "cf_visits": "3", "cf_credit": "12.5", "version": 1}
    )

    assert done.status_code == 302
    stored = Customer.objects.get(pk=customer.pk)
    assert stored.custom_fields == {"legacy": "kept", "level": "gold", "visits": 3, "credit": 12.5}
    assert stored.version == customer.version + 1


def test_edit_form_refuses_a_stale_or_missing_version(client, admin_user, fields):
    """A second editor is told to reload; leaving the hidden version out is no way round."""
    customer = CustomerFactory()
    client.force_login(admin_user)
    url = reverse("customfields:record_edit", args=["customer", customer.pk])
    assert client.post(url, {"cf_level": "gold", "version": 1}).status_code == 302

    stale = client.post(url, {"cf_level": "silver", "version": 1})
    blind = client.post(url, {"cf_level": "silver"})

    assert stale.status_code == 400
    assert "changed by someone else" in stale.content.decode()
    assert blind.status_code == 400
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.custom_fields, stored.version) == ({"level": "gold"}, 2)


def test_analyst_may_not_edit_values(client, analyst, fields):
    customer = CustomerFactory()
    client.force_login(analyst)
    url = reverse("customfields:record_edit", args=["customer", customer.pk])
    assert client.post(url, {"cf_level": "gold", "version": 1}).status_code == 403
    assert Customer.objects.get(pk=customer.pk).custom_fields == {}


def test_360_page_shows_labels_and_values(client, admin_user, fields):
    customer = CustomerFactory(custom_fields={"level": "gold", "credit": 1234.5})
    client.force_login(admin_user)

    html = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()

    assert "<dt>Level</dt><dd>Gold</dd>" in html
    assert "<dt>Credit</dt><dd>1,234.50</dd>" in html


def test_list_columns_and_filters(client, admin_user, fields):
    gold = CustomerFactory(name="Gold One", custom_fields={"level": "gold", "visits": 10})
    CustomerFactory(name="Silver One", custom_fields={"level": "silver", "visits": 2})
    CustomerFactory(name="Nothing")
    client.force_login(admin_user)
    url = reverse("customers:list")

    page = client.get(url)
    assert [d.key for d in page.context["custom_columns"]] == ["level"]
    assert {"cf_level", "cf_visits_min", "cf_visits_max"} <= set(page.context["form"].fields)

    by_level = client.get(url, {"cf_level": "gold"})
    assert [c.pk for c in by_level.context["page"].items] == [gold.pk]
    by_range = client.get(url, {"cf_visits_min": "5"})
    assert [c.pk for c in by_range.context["page"].items] == [gold.pk]
    ignored = client.get(url, {"cf_visits_min": "many"})
    assert len(ignored.context["page"].items) == 3


def _json_conditions(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("customers:list"), params)
    return sum(
        "JSON_EXTRACT" in q["sql"].upper() or '"custom_fields" ->' in q["sql"]
        for q in queries
        if "customers_customer" in q["sql"]
    )


def test_no_custom_filter_adds_no_json_condition(client, admin_user, fields):
    CustomerFactory()
    client.force_login(admin_user)

    assert _json_conditions(client, {}) == 0
    assert _json_conditions(client, {"cf_level": "gold"}) >= 1
