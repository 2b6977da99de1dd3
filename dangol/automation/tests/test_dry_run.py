"""Testing a rule against a record: what would match and what would be done, nothing done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dangol.accounts.models import Notification
from dangol.automation.errors import NotFoundError
from dangol.automation.models import RuleRun
from dangol.automation.selectors import rule_test
from dangol.automation.services import rule_create
from dangol.customers.models import Customer
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.tests.factories import OrderFactory


def test_dry_run_reports_match_and_actions_without_doing_them(admin_user, manager):
    rule = rule_create(
        actor=admin_user,
        name="Seoul",
        entity="customer",
        trigger="updated",
        conditions={"field": "region", "op": "eq", "value": "seoul"},
        actions=[
            {"type": "set_field", "field": "status", "value": "churned"},
            {"type": "notify", "user": manager.pk, "text": "Call {{ customer.name }}"},
        ],
    )
    seoul = CustomerFactory(region="seoul", name="Kang", status="customer")
    busan = CustomerFactory(region="busan")
    result = rule_test(rule=rule, record_id=seoul.pk)
    assert result == {
        "record_id": seoul.pk,
        "record": "Kang",
        "url": f"/customers/{seoul.pk}/",
        "trigger_matches": None,
        "trigger_note": "Fires when the record is updated.",
        "conditions_match": True,
        "would_fire": True,
        "actions": [
            "Set “status” from “customer” to “churned”.",
            "Notify manager: “Call Kang”.",
        ],
    }
    assert rule_test(rule=rule, record_id=busan.pk)["conditions_match"] is False
    assert rule_test(rule=rule, record_id=busan.pk)["would_fire"] is False
    # Nothing happened.
    assert Customer.objects.get(pk=seoul.pk).status == "customer"
    assert (RuleRun.objects.count(), Notification.objects.count()) == (0, 0)


def test_dry_run_of_a_date_rule(admin_user):
    rule = rule_create(
        actor=admin_user,
        name="Win back",
        entity="customer",
        trigger="date_reached",
        trigger_config={"date_field": "last_order", "days": 30},
        actions=[{"type": "notify", "user": "rule_owner", "text": "x"}],
    )
    due, not_due = CustomerFactory(), CustomerFactory()
    OrderFactory(customer=due, ordered_at=timezone.now() - dt.timedelta(days=30))
    OrderFactory(customer=not_due, ordered_at=timezone.now() - dt.timedelta(days=3))
    assert rule_test(rule=rule, record_id=due.pk)["trigger_matches"] is True
    result = rule_test(rule=rule, record_id=not_due.pk)
    assert (result["trigger_matches"], result["would_fire"]) == (False, False)


def test_dry_run_of_a_missing_record(admin_user):
    rule = rule_create(
        actor=admin_user,
        name="x",
        entity="ticket",
        trigger="created",
        actions=[{"type": "notify", "user": "rule_owner", "text": "x"}],
    )
    with pytest.raises(NotFoundError) as err:
        rule_test(rule=rule, record_id=999999)
    assert (err.value.message, err.value.field) == (
        "There is no ticket with id 999999",
        "record_id",
    )
