"""A trashed customer gets no automation; a trashed record's own triggers do not fire.

docs/automation.md, "The trash": each trigger type with a customer in the trash (and a
live one beside them, who still fires), set-based in the conditions.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from django.utils import timezone

from dangol.accounts.models import Notification
from dangol.automation.choices import RunStatus
from dangol.automation.conditions import records_matching
from dangol.automation.engine import event_process, rule_fire, rule_sweep
from dangol.automation.models import Rule, RuleMatch, RuleRun
from dangol.automation.services import rule_create
from dangol.core.audit.services import record_restore, record_trash
from dangol.customers.score_services import customer_scores_bulk_write
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.pipeline_services import opportunity_create, pipeline_stages_ensure
from dangol.sales.tests.factories import OrderFactory
from dangol.service.services import ticket_open

pytestmark = pytest.mark.django_db

NOTIFY = [{"type": "notify", "user": "rule_owner", "text": "{{ record }} fired"}]


def _rule(admin, **fields) -> Rule:
    fields.setdefault("entity", "customer")
    fields.setdefault("actions", NOTIFY)
    return rule_create(actor=admin, name="r", active=True, **fields)


def _fired(rule) -> list[int]:
    return sorted(RuleRun.objects.filter(rule=rule).values_list("record_id", flat=True))


@pytest.fixture
def pair(admin_user):
    """A live customer and one moved to the trash."""
    live, trashed = CustomerFactory(region="busan"), CustomerFactory(region="busan")
    return live, trashed


def _trash(admin, customer) -> None:
    record_trash(instance=customer, actor=admin)


def _tickets(admin, live, trashed):
    return [
        ticket_open(actor=admin, customer=c, subject="Help", body="Hi", channel="phone")
        for c in (live, trashed)
    ]


@pytest.mark.parametrize(
    ("trigger", "event", "config", "key"),
    [
        ("created", "created", {}, "c"),
        ("updated", "updated", {}, "v2"),
        ("field_changed", "updated", {"field": "priority"}, "v3"),
        ("inbound_message", "inbound_message", {}, "7"),
    ],
)
def test_event_triggers_skip_a_ticket_whose_customer_is_in_the_trash(
    admin_user, pair, trigger, event, config, key
):
    live, trashed = pair
    tickets = _tickets(admin_user, live, trashed)
    _trash(admin_user, trashed)
    rule = _rule(admin_user, entity="ticket", trigger=trigger, trigger_config=config)
    changes = {"priority": ["normal", "high"]}
    for ticket in tickets:
        event_process(
            entity="ticket", record_id=ticket.pk, event=event, changes=changes, key=key, chain=[]
        )
    assert _fired(rule) == [tickets[0].pk]


def test_a_trashed_customers_own_event_triggers_do_not_fire(admin_user, pair):
    live, trashed = pair
    _trash(admin_user, trashed)
    rule = _rule(admin_user, trigger="updated")
    for customer in (live, trashed):
        event_process(
            entity="customer",
            record_id=customer.pk,
            event="updated",
            changes={},
            key="v9",
            chain=[],
        )
    assert _fired(rule) == [live.pk]


def test_customer_condition_of_a_ticket_rule_ignores_a_trashed_customer(admin_user, pair):
    live, trashed = pair
    tickets = _tickets(admin_user, live, trashed)
    conditions = {"customer": {"field": "region", "op": "eq", "value": "busan"}}
    matching = records_matching(entity="ticket", conditions=conditions)
    assert sorted(matching.values_list("pk", flat=True)) == sorted(t.pk for t in tickets)
    _trash(admin_user, trashed)
    assert list(matching.values_list("pk", flat=True)) == [tickets[0].pk]
    # A "not" around the customer condition must not bring the trashed customer back.
    negated = {"not": {"customer": {"field": "region", "op": "eq", "value": "seoul"}}}
    assert list(
        records_matching(entity="ticket", conditions=negated).values_list("pk", flat=True)
    ) == [tickets[0].pk]


def test_30_days_after_last_order_skips_a_trashed_customer(admin_user, pair):
    live, trashed = pair
    now = timezone.now()
    for customer in pair:
        OrderFactory(customer=customer, ordered_at=now - dt.timedelta(days=30))
    _trash(admin_user, trashed)
    rule = _rule(
        admin_user,
        trigger="date_reached",
        trigger_config={"date_field": "last_order", "days": 30, "direction": "after"},
    )
    assert rule_sweep(rule_id=rule.pk, now=now) == 1
    assert _fired(rule) == [live.pk]


def test_date_rule_on_opportunities_skips_those_of_a_trashed_customer(admin_user, pair):
    _live, trashed = pair
    pipeline_stages_ensure()
    today = timezone.localdate()
    opportunities = [
        opportunity_create(
            actor=admin_user,
            customer=customer,
            name="Renewal",
            amount="1000",
            expected_close=today + dt.timedelta(days=3),
            channel="field",
        )
        for customer in pair
    ]
    _trash(admin_user, trashed)
    rule = _rule(
        admin_user,
        entity="opportunity",
        trigger="date_reached",
        trigger_config={"date_field": "expected_close", "days": 3, "direction": "before"},
    )
    assert rule_sweep(rule_id=rule.pk) == 1
    assert _fired(rule) == [opportunities[0].pk]


def _scores(rows: dict[int, float]) -> None:
    frame = pd.DataFrame({"customer_id": list(rows), "churn_probability": list(rows.values())})
    customer_scores_bulk_write(rows=frame, fields=["churn_probability"])


def test_score_crossing_skips_a_trashed_customer_and_restore_does_not_refire(admin_user, pair):
    live, trashed = pair
    already = CustomerFactory()
    _scores({live.pk: 0.1, trashed.pk: 0.1, already.pk: 0.9})
    rule = _rule(
        admin_user,
        trigger="score_crossed",
        trigger_config={"field": "churn_probability", "op": "gt", "value": 0.7},
    )
    _trash(admin_user, trashed)
    _trash(admin_user, already)
    _scores({live.pk: 0.8, trashed.pk: 0.8})
    assert rule_sweep(rule_id=rule.pk) == 1
    assert _fired(rule) == [live.pk]
    # The match of one already past the threshold survives the trash: restoring them
    # is not a crossing.
    assert RuleMatch.objects.filter(rule=rule, record_id=already.pk).exists()
    record_restore(instance=already, actor=admin_user)
    assert rule_sweep(rule_id=rule.pk) == 0
    assert _fired(rule) == [live.pk]


def test_schedule_skips_a_trashed_customer(admin_user, pair):
    live, trashed = pair
    _trash(admin_user, trashed)
    rule = _rule(
        admin_user,
        trigger="schedule",
        trigger_config={"every": "daily", "at": "08:00"},
        conditions={"field": "region", "op": "eq", "value": "busan"},
    )
    late = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(9, 0)))
    assert rule_sweep(rule_id=rule.pk, now=late) == 1
    assert _fired(rule) == [live.pk]


def test_a_customer_trashed_between_matching_and_firing_gets_no_action(admin_user, pair):
    _live, trashed = pair
    rule = _rule(admin_user, trigger="updated")
    _trash(admin_user, trashed)
    run = rule_fire(rule=rule, record_id=trashed.pk, trigger_key="updated:v2")
    assert run.status == RunStatus.FAILED
    assert run.result == [
        {"type": "notify", "ok": False, "detail": "The record no longer exists or is in the trash"}
    ]
    assert not Notification.objects.filter(user=admin_user, kind="automation").exists()
