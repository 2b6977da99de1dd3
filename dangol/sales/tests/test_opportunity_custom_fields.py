"""Opportunity custom fields: create through the API, edit on the page, shown typed."""

import pytest
from django.urls import reverse

from dangol.core.customfields.services import custom_field_create
from dangol.core.tests.api_support import PROBLEM, clean_throttle, token_client
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.models import Opportunity

__all__ = ["clean_throttle"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def budget(admin_user):
    return custom_field_create(
        actor=admin_user,
        entity="opportunity",
        key="budget",
        label="Budget",
        field_type="money",
    )


def test_api_create_validates_and_shows_custom_fields(sales, budget):
    customer = CustomerFactory(owner=sales)
    client = token_client(sales)
    body = {
        "customer": customer.pk,
        "name": "Upgrade",
        "amount": "100",
        "expected_close": "2026-12-31",
        "channel": "telesales",
    }

    bad = client.post(
        "/api/v1/opportunities/", {**body, "custom_fields": {"budget": "x"}}, format="json"
    )
    assert bad.status_code == 400
    assert bad["Content-Type"] == PROBLEM
    assert bad.json()["errors"] == {"custom_fields.budget": ["Budget: must be an amount"]}
    assert not Opportunity.objects.exists()

    good = client.post(
        "/api/v1/opportunities/", {**body, "custom_fields": {"budget": 5000}}, format="json"
    )
    assert good.status_code == 201, good.json()
    assert good.json()["custom_fields"] == {"budget": "5000.00"}


def test_page_edit_and_panel(client, sales, budget):
    customer = CustomerFactory(owner=sales)
    client.force_login(sales)
    api = token_client(sales)
    opp = api.post(
        "/api/v1/opportunities/",
        {
            "customer": customer.pk,
            "name": "Upgrade",
            "amount": "100",
            "expected_close": "2026-12-31",
            "channel": "telesales",
        },
        format="json",
    ).json()
    url = reverse("customfields:record_edit", args=["opportunity", opp["id"]])

    assert client.post(url, {"cf_budget": "1250.5", "version": 1}).status_code == 302

    stored = Opportunity.objects.get(pk=opp["id"])
    assert (stored.custom_fields, stored.version) == ({"budget": 1250.5}, 2)
    page = client.get(reverse("pipeline:opportunity_detail", args=[opp["id"]]))
    assert "<dt>Budget</dt><dd>1,250.50</dd>" in page.content.decode()
