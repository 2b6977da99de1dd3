"""API: history per entity, revert, trash and restore, purge, personal data, erasure."""

from __future__ import annotations

import datetime as dt

import pytest

from dangol.core.tests.api_support import token_client
from dangol.customers.models import Customer
from dangol.customers.services import customer_create, customer_update
from dangol.sales.pipeline_services import opportunity_create
from dangol.service.services import ticket_open, ticket_priority_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(admin_user):
    customer = customer_create(actor=admin_user, name="Ahn", email="ahn@example.test")
    customer_update(actor=admin_user, customer=customer, city="Daegu")
    return customer


def test_customer_history_lists_versions_newest_first(admin_user, customer):
    rows = token_client(admin_user).get(f"/api/v1/customers/{customer.pk}/history/").json()
    assert [(row["version"], row["action"], row["actor"]) for row in rows] == [
        (2, "update", "admin"),
        (1, "create", "admin"),
    ]
    assert rows[0]["changes"] == [
        {
            "field": "city",
            "label": "City",
            "old": "",
            "new": "Daegu",
            "old_display": "—",
            "new_display": "Daegu",
        }
    ]


def test_ticket_and_opportunity_histories(admin_user, sales, customer):
    ticket = ticket_open(
        actor=admin_user, customer=customer, subject="S", body="B", channel="phone"
    )
    ticket_priority_set(actor=admin_user, ticket=ticket, priority="high")
    rows = token_client(admin_user).get(f"/api/v1/tickets/{ticket.pk}/history/").json()
    assert rows[0]["changes"][0]["field"] == "priority"
    assert (rows[0]["changes"][0]["old_display"], rows[0]["changes"][0]["new_display"]) == (
        "Normal",
        "High",
    )
    opportunity = opportunity_create(
        actor=admin_user,
        customer=customer,
        name="Deal",
        amount=10,
        expected_close=dt.date(2026, 12, 1),
        channel="field",
    )
    rows = token_client(admin_user).get(f"/api/v1/opportunities/{opportunity.pk}/history/").json()
    assert [row["action"] for row in rows] == ["create"]


def test_revert_over_the_api(admin_user, customer):
    client = token_client(admin_user)
    response = client.post(f"/api/v1/customers/{customer.pk}/history/revert/", {"version": 1})
    assert response.status_code == 200
    assert response.json()["version"] == 3
    customer.refresh_from_db()
    assert customer.city == ""
    missing = client.post(f"/api/v1/customers/{customer.pk}/history/revert/", {"version": 40})
    assert missing.status_code == 404


def test_trash_restore_and_trash_list(admin_user, customer):
    client = token_client(admin_user)
    assert client.post(f"/api/v1/customers/{customer.pk}/trash/").json()["deleted_at"]
    assert client.get("/api/v1/customers/").json()["results"] == []
    assert client.get("/api/v1/customers/?q=Ahn").json()["results"] == []
    trash = client.get("/api/v1/trash/?kind=customers").json()
    assert [(row["kind"], row["id"]) for row in trash] == [("customer", customer.pk)]
    assert client.post(f"/api/v1/customers/{customer.pk}/restore/").json()["deleted_at"] is None
    assert [row["id"] for row in client.get("/api/v1/customers/").json()["results"]] == [
        customer.pk
    ]


def test_sales_reps_get_403_on_trash_erase_and_export(sales):
    mine = customer_create(actor=sales, name="Rep customer")
    client = token_client(sales)
    assert client.get("/api/v1/trash/").status_code == 403
    assert client.post(f"/api/v1/customers/{mine.pk}/trash/").status_code == 403
    assert client.get(f"/api/v1/customers/{mine.pk}/personal-data/").status_code == 403
    erase = client.post(f"/api/v1/customers/{mine.pk}/erase/", {"reason": "x", "confirm": mine.pk})
    assert erase.status_code == 403
    assert Customer.objects.get(pk=mine.pk).name == "Rep customer"


def test_export_and_erase_over_the_api(admin_user, customer):
    client = token_client(admin_user)
    document = client.get(f"/api/v1/customers/{customer.pk}/personal-data/").json()
    assert document["profile"]["email"] == "ahn@example.test"
    wrong = client.post(
        f"/api/v1/customers/{customer.pk}/erase/", {"reason": "r", "confirm": customer.pk + 1}
    )
    assert wrong.status_code == 400
    done = client.post(
        f"/api/v1/customers/{customer.pk}/erase/",
        {"reason": "GDPR art. 17", "confirm": customer.pk},
    )
    assert done.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.email) == (f"Erased customer #{customer.pk}", "")


def test_unknown_kind_is_a_400(admin_user):
    response = token_client(admin_user).get("/api/v1/leads/1/history/")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_kind"


def test_the_endpoints_are_in_the_openapi_schema(admin_user):
    schema = token_client(admin_user).get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/{kind}/{id}/history/",
        "/api/v1/{kind}/{id}/history/revert/",
        "/api/v1/{kind}/{id}/trash/",
        "/api/v1/{kind}/{id}/restore/",
        "/api/v1/trash/",
        "/api/v1/trash/{kind}/{id}/",
        "/api/v1/customers/{id}/personal-data/",
        "/api/v1/customers/{id}/erase/",
    ):
        assert path in paths, path
