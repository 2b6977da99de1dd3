"""The pipeline API: the role matrix, duplicates flagged, conversion, moves with versions."""

import pytest
from rest_framework.test import APIClient

from dangol.accounts.roles import Role
from dangol.core.tests.api_support import PROBLEM, clean_throttle, token_client
from dangol.customers.tests.factories import CustomerFactory

__all__ = ["clean_throttle"]
pytestmark = pytest.mark.django_db
SELLERS = {Role.ADMIN, Role.MANAGER, Role.SALES}


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_role_matrix(role, users_by_role, sales):
    client = token_client(users_by_role[role])
    customer = CustomerFactory(owner=sales)
    ok = role in SELLERS
    lead = client.post(
        "/api/v1/leads/", {"name": "Kim", "email": "kim@x.test", "source": "api"}, format="json"
    )
    assert lead.status_code == (201 if ok else 403)
    assert client.get("/api/v1/leads/").status_code == (200 if ok else 403)
    opp = client.post(
        "/api/v1/opportunities/",
        {
            "customer": customer.pk,
            "name": "Deal",
            "amount": "100.00",
            "expected_close": "2026-12-31",
            "channel": "internet",
        },
        format="json",
    )
    assert opp.status_code == (201 if ok else 403), opp.content
    if not ok:
        assert opp["Content-Type"] == PROBLEM


def test_anonymous_is_401():
    assert APIClient().get("/api/v1/leads/").status_code == 401


def test_capture_convert_and_move(sales):
    existing = CustomerFactory(owner=sales, email="lee@x.test")
    client = token_client(sales)
    lead = client.post(
        "/api/v1/leads/", {"name": "Lee", "email": "LEE@x.test"}, format="json"
    ).json()
    assert (lead["duplicate_of"], lead["owner"], lead["source"]) == (existing.pk, sales.pk, "api")
    opp = client.post(
        f"/api/v1/leads/{lead['id']}/convert/",
        {
            "opportunity_name": "Upgrade",
            "amount": "2500000",
            "expected_close": "2026-12-31",
            "channel": "telesales",
            "customer": existing.pk,
        },
        format="json",
    ).json()
    assert (opp["customer"], opp["stage"], opp["probability"]) == (existing.pk, "qualification", 10)
    moved = client.patch(
        f"/api/v1/opportunities/{opp['id']}/", {"stage": "won", "version": 1}, format="json"
    )
    assert moved.json()["stage"] == "won" and moved.json()["closed_at"]
    stale = client.patch(
        f"/api/v1/opportunities/{opp['id']}/", {"stage": "lost", "version": 1}, format="json"
    )
    assert stale.status_code == 409
    lose = client.patch(
        f"/api/v1/opportunities/{opp['id']}/", {"stage": "lost", "version": 2}, format="json"
    )
    assert lose.status_code == 400 and "loss_reason" in lose.json()["detail"] + str(
        lose.json().get("errors", "")
    )


def test_bad_lead_fields_are_named(sales):
    response = token_client(sales).post(
        "/api/v1/leads/", {"name": "x", "email": "", "phone": ""}, format="json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
