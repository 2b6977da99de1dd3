from __future__ import annotations

import pytest

from dangol.core.customfields.services import custom_field_create
from dangol.core.tests.api_support import PROBLEM, clean_throttle, token_client  # noqa: F401
from dangol.customers.models import Customer

pytestmark = pytest.mark.django_db


def _schema(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()["components"]["schemas"]


def test_a_new_definition_appears_in_the_openapi_schema(admin_user, client):
    before = _schema(client)["Customer"]["properties"]["custom_fields"]
    assert before["properties"] == {}

    custom_field_create(
        actor=admin_user,
        entity="customer",
        key="loyalty",
        label="Loyalty level",
        field_type="choice",
        choices=["gold|Gold|골드", "silver|Silver|실버"],
    )
    custom_field_create(
        actor=admin_user, entity="customer", key="credit", label="Credit", field_type="money"
    )
    custom_field_create(
        actor=admin_user, entity="ticket", key="device", label="Device", field_type="text"
    )
    schemas = _schema(client)

    out = schemas["Customer"]["properties"]["custom_fields"]
    assert out["properties"]["loyalty"] == {
        "type": "string",
        "enum": ["gold", "silver"],
        "title": "Loyalty level",
        "nullable": True,
    }
    assert out["properties"]["credit"]["type"] == "string"
    assert out["properties"]["credit"]["format"] == "decimal"
    assert out["additionalProperties"] is False
    request = schemas["CustomerInputRequest"]["properties"]["custom_fields"]
    assert request["properties"]["loyalty"]["enum"] == ["gold", "silver"]
    assert set(schemas["Ticket"]["properties"]["custom_fields"]["properties"]) == {"device"}
    assert schemas["Opportunity"]["properties"]["custom_fields"]["properties"] == {}


def test_api_writes_validate_and_read_typed(admin_user):
    custom_field_create(
        actor=admin_user,
        entity="customer",
        key="loyalty",
        label="Loyalty level",
        field_type="choice",
        choices=["gold|Gold", "silver|Silver"],
    )
    custom_field_create(
        actor=admin_user, entity="customer", key="credit", label="Credit", field_type="money"
    )
    api = token_client(admin_user)

    bad = api.post(
        "/api/v1/customers/", {"name": "Kim", "custom_fields": {"loyalty": "bronze"}}, format="json"
    )
    assert bad.status_code == 400
    assert bad["Content-Type"] == PROBLEM
    assert bad.json()["errors"] == {
        "custom_fields.loyalty": ["Loyalty level: must be one of: gold, silver"]
    }
    assert not Customer.objects.filter(name="Kim").exists()

    good = api.post(
        "/api/v1/customers/",
        {"name": "Kim", "custom_fields": {"loyalty": "gold", "credit": "10.5"}},
        format="json",
    )
    assert good.status_code == 201, good.json()
    assert good.json()["custom_fields"] == {"loyalty": "gold", "credit": "10.50"}
    assert Customer.objects.get(name="Kim").custom_fields == {"loyalty": "gold", "credit": 10.5}
