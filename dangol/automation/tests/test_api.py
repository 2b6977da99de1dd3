"""The automation API: permissions per role, create with validation, runs, dry run."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from dangol.accounts.roles import Role
from dangol.automation.engine import rule_fire
from dangol.automation.models import Rule
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

RULE = {
    "name": "Seoul watch",
    "entity": "customer",
    "trigger": "updated",
    "conditions": {"field": "region", "op": "eq", "value": "seoul"},
    "actions": [{"type": "notify", "user": "rule_owner", "text": "{{ customer.name }}"}],
    "active": True,
}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        (Role.ADMIN, 200, 201),
        (Role.MANAGER, 200, 403),
        (Role.MARKETING, 403, 403),
        (Role.ANALYST, 403, 403),
        (Role.SALES, 403, 403),
        (Role.SERVICE, 403, 403),
    ],
)
def test_api_permissions_per_role(users_by_role, role, read, write):
    client = api(users_by_role[role])
    assert client.get("/api/v1/automation/rules/").status_code == read
    assert client.get("/api/v1/automation/templates/").status_code == read
    assert client.post("/api/v1/automation/rules/", RULE, format="json").status_code == write
    template = {"name": "Hi", "subject": "Hi {{ customer.name }}", "body": "Hello"}
    assert (
        client.post("/api/v1/automation/templates/", template, format="json").status_code == write
    )


def test_create_read_update_runs_and_dry_run(admin_user, manager):
    client = api(admin_user)
    created = client.post("/api/v1/automation/rules/", RULE, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["active"], body["created_by"]) == ("Seoul watch", True, "admin")
    assert body["conditions"] == {"field": "region", "op": "eq", "value": "seoul"}
    pk = body["id"]
    patched = client.patch(f"/api/v1/automation/rules/{pk}/", {"active": False}, format="json")
    assert (patched.status_code, patched.json()["active"]) == (200, False)
    assert Rule.objects.get(pk=pk).active is False

    customer = CustomerFactory(region="seoul", name="Baek")
    rule_fire(rule=Rule.objects.get(pk=pk), record_id=customer.pk, trigger_key="updated:v1")
    runs = api(manager).get(f"/api/v1/automation/rules/{pk}/runs/").json()
    assert [(r["record_id"], r["trigger_key"], r["status"]) for r in runs] == [
        (customer.pk, "updated:v1", "succeeded")
    ]
    assert runs[0]["result"] == [{"type": "notify", "ok": True, "detail": "notified admin"}]

    # A manager may dry-run (a POST that writes nothing).
    test = api(manager).post(
        f"/api/v1/automation/rules/{pk}/test/", {"record_id": customer.pk}, format="json"
    )
    assert test.status_code == 200
    assert (test.json()["would_fire"], test.json()["actions"]) == (True, ["Notify admin: “Baek”."])
    missing = api(manager).post(
        f"/api/v1/automation/rules/{pk}/test/", {"record_id": 99999}, format="json"
    )
    assert missing.status_code == 404

    assert client.delete(f"/api/v1/automation/rules/{pk}/").status_code == 204
    assert not Rule.objects.filter(pk=pk).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"entity": "invoice"}, "entity"),
        ({"trigger": "sometimes"}, "trigger"),
        ({"conditions": {"field": "shoe_size", "op": "eq", "value": "1"}}, "conditions.field"),
        ({"actions": []}, "actions"),
        ({"actions": [{"type": "teleport"}]}, "actions[0].type"),
        (
            {"actions": [{"type": "notify", "user": "rule_owner", "text": "{% if %}"}]},
            "actions[0].text",
        ),
        (
            {"trigger": "score_crossed", "trigger_config": {"field": "clv", "op": "gt"}},
            "trigger_config.value",
        ),
        (
            {"trigger": "date_reached", "trigger_config": {"date_field": "birthday", "days": 3}},
            "trigger_config.date_field",
        ),
    ],
)
def test_bad_rules_are_refused_naming_the_culprit(admin_user, change, field):
    response = api(admin_user).post("/api/v1/automation/rules/", {**RULE, **change}, format="json")
    assert response.status_code == 400, response.content
    problem = response.json()
    assert field in str(problem), problem
    assert Rule.objects.count() == 0


def test_ticket_conditions_use_the_same_json_shape(admin_user):
    rule = {
        **RULE,
        "entity": "ticket",
        "conditions": {
            "and": [
                {"field": "priority", "op": "in", "value": ["high", "urgent"]},
                {"customer": {"field": "region", "op": "eq", "value": "seoul"}},
            ]
        },
    }
    assert api(admin_user).post("/api/v1/automation/rules/", rule, format="json").status_code == 201
    bad = {**rule, "conditions": {"field": "priority", "op": "eq", "value": "sky-high"}}
    response = api(admin_user).post("/api/v1/automation/rules/", bad, format="json")
    assert response.status_code == 400
    assert "sky-high" in str(response.json())
