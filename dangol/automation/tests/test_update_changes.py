"""Ticket and opportunity updates carry old values: "changed from X to Y" rules match them.

Each rule fires once on a matching change, not on a change that does not match, and not
again when the task is retried with the same event.
"""

from __future__ import annotations

from django.utils import timezone

from dangol.automation.choices import RunStatus
from dangol.automation.engine import event_process
from dangol.automation.events import changes_payload
from dangol.automation.models import Rule, RuleRun
from dangol.automation.services import rule_create
from dangol.automation.tasks import automation_event_task
from dangol.core.customfields.services import custom_field_create
from dangol.customers.services import customer_update
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.models import Opportunity, PipelineStage
from dangol.sales.pipeline_services import (
    opportunity_create,
    opportunity_custom_fields_set,
    opportunity_move,
    opportunity_update,
    pipeline_stages_ensure,
)
from dangol.service.services import (
    ticket_assign,
    ticket_open,
    ticket_priority_set,
    ticket_status_set,
    ticket_update,
)

NOTIFY = [{"type": "notify", "user": "rule_owner", "text": "{{ record }} fired"}]
LEVELS = [
    {"value": "gold", "label": "Gold", "label_ko": "골드"},
    {"value": "silver", "label": "Silver", "label_ko": "실버"},
]


def _rule(admin, entity: str, **config) -> Rule:
    return rule_create(
        actor=admin,
        name="r",
        active=True,
        entity=entity,
        trigger="field_changed",
        trigger_config=config,
        actions=NOTIFY,
    )


def _runs(rule) -> list[tuple[int, str, str]]:
    return list(
        RuleRun.objects.filter(rule=rule)
        .order_by("id")
        .values_list("record_id", "trigger_key", "status")
    )


def _ticket(admin, **extra):
    return ticket_open(
        actor=admin, customer=CustomerFactory(), subject="Help", body="Hi", channel="phone", **extra
    )


def _retry(entity: str, record_id: int, key: str, changes: dict) -> None:
    """Run the event again as a retried task would (same key), twice, two ways."""
    payload = changes_payload(changes)
    automation_event_task.call(
        entity=entity, record_id=record_id, event="updated", changes=payload, key=key, chain=[]
    )
    event_process(
        entity=entity, record_id=record_id, event="updated", changes=payload, key=key, chain=[]
    )


def test_ticket_priority_from_to_fires_once(admin_user, committed):
    rule = _rule(admin_user, "ticket", field="priority", **{"from": "normal", "to": "urgent"})
    ticket = _ticket(admin_user)
    with committed():
        ticket_priority_set(actor=admin_user, ticket=ticket, priority="high")  # wrong "to"
    with committed():
        ticket_priority_set(actor=admin_user, ticket=ticket, priority="urgent")  # wrong "from"
    assert _runs(rule) == []
    other = _ticket(admin_user)
    with committed():
        ticket_priority_set(actor=admin_user, ticket=other, priority="urgent")
    assert _runs(rule) == [(other.pk, "changed:v2", RunStatus.SUCCEEDED)]
    _retry("ticket", other.pk, "v2", {"priority": ["normal", "urgent"]})
    assert len(_runs(rule)) == 1


def test_ticket_status_from_to_fires_once(admin_user, committed):
    rule = _rule(admin_user, "ticket", field="status", **{"from": "open", "to": "resolved"})
    ticket = _ticket(admin_user)
    with committed():
        ticket_status_set(actor=admin_user, ticket=ticket, status="resolved")  # from "new"
    assert _runs(rule) == []
    other = _ticket(admin_user)
    with committed():
        ticket_status_set(actor=admin_user, ticket=other, status="open")  # wrong "to"
        ticket_status_set(actor=admin_user, ticket=other, status="resolved")
    assert _runs(rule) == [(other.pk, "changed:v3", RunStatus.SUCCEEDED)]
    _retry("ticket", other.pk, "v3", {"status": ["open", "resolved"]})
    assert len(_runs(rule)) == 1


def test_ticket_assignee_from_nobody_to_a_user(admin_user, service, committed):
    rule = _rule(admin_user, "ticket", field="assignee", to=str(service.pk))
    ticket = _ticket(admin_user)
    with committed():
        ticket_assign(actor=admin_user, ticket=ticket, assignee=admin_user)  # wrong "to"
    assert _runs(rule) == []
    with committed():
        ticket_assign(actor=admin_user, ticket=ticket, assignee=service)
    assert _runs(rule) == [(ticket.pk, "changed:v3", RunStatus.SUCCEEDED)]
    _retry("ticket", ticket.pk, "v3", {"assignee": [admin_user.pk, service.pk]})
    assert len(_runs(rule)) == 1


def test_ticket_custom_field_from_to_fires_once(admin_user, committed):
    custom_field_create(
        actor=admin_user,
        entity="ticket",
        key="level",
        label="Level",
        field_type="choice",
        choices=LEVELS,
    )
    rule = _rule(admin_user, "ticket", field="cf_level", **{"from": "silver", "to": "gold"})
    ticket = _ticket(admin_user, custom_fields={"level": "gold"})
    with committed():  # gold -> silver: the wrong way round
        ticket_update(
            actor=admin_user,
            ticket=ticket,
            version=ticket.version,
            custom_fields={"level": "silver"},
        )
    assert _runs(rule) == []
    with committed():
        ticket_update(
            actor=admin_user,
            ticket=ticket,
            version=ticket.version,
            custom_fields={"level": "gold"},
        )
    assert _runs(rule) == [(ticket.pk, "changed:v3", RunStatus.SUCCEEDED)]
    _retry("ticket", ticket.pk, "v3", {"custom_fields": [{"level": "silver"}, {"level": "gold"}]})
    assert len(_runs(rule)) == 1


def _opportunity(admin, **extra):
    pipeline_stages_ensure()
    return opportunity_create(
        actor=admin,
        customer=CustomerFactory(),
        name="Deal",
        amount="100",
        expected_close=timezone.localdate(),
        channel="field",
        **extra,
    )


def test_opportunity_stage_from_to_fires_once(admin_user, committed):
    rule = _rule(
        admin_user, "opportunity", field="stage", **{"from": "proposal", "to": "negotiation"}
    )
    stages = {s.code: s for s in PipelineStage.objects.all()}
    opportunity = _opportunity(admin_user)
    with committed():  # qualification -> negotiation: wrong "from"
        opportunity_move(actor=admin_user, opportunity=opportunity, stage=stages["negotiation"])
    with committed():
        opportunity_move(actor=admin_user, opportunity=opportunity, stage=stages["proposal"])
    assert _runs(rule) == []
    with committed():
        opportunity_move(actor=admin_user, opportunity=opportunity, stage=stages["negotiation"])
    assert _runs(rule) == [(opportunity.pk, "changed:v4", RunStatus.SUCCEEDED)]
    _retry("opportunity", opportunity.pk, "v4", {"stage": ["proposal", "negotiation"]})
    assert len(_runs(rule)) == 1


def test_opportunity_custom_field_from_to_fires_once(admin_user, committed):
    custom_field_create(
        actor=admin_user,
        entity="opportunity",
        key="level",
        label="Level",
        field_type="choice",
        choices=LEVELS,
    )
    custom_field_create(
        actor=admin_user, entity="opportunity", key="budget", label="Budget", field_type="money"
    )
    rule = _rule(admin_user, "opportunity", field="cf_level", **{"from": "silver", "to": "gold"})
    # Numbers compare by value: "2000.00" is the stored 2000.
    budget = _rule(admin_user, "opportunity", field="cf_budget", to="2000.00")
    opportunity = _opportunity(admin_user, custom_fields={"level": "silver"})
    with committed():  # another field changes: neither rule matches
        opportunity_custom_fields_set(
            actor=admin_user, opportunity=opportunity, values={"budget": "1000"}
        )
    assert _runs(rule) == [] and _runs(budget) == []
    with committed():
        opportunity_custom_fields_set(
            actor=admin_user, opportunity=opportunity, values={"level": "gold", "budget": "2000"}
        )
    assert _runs(rule) == [(opportunity.pk, "changed:v3", RunStatus.SUCCEEDED)]
    assert _runs(budget) == [(opportunity.pk, "changed:v3", RunStatus.SUCCEEDED)]
    _retry(
        "opportunity",
        opportunity.pk,
        "v3",
        {"custom_fields": [{"level": "silver"}, {"level": "gold", "budget": 2000}]},
    )
    assert len(_runs(rule)) == 1 and len(_runs(budget)) == 1


def test_opportunity_amount_owner_and_close_from_to_fire_once(admin_user, manager, committed):
    amount = _rule(admin_user, "opportunity", field="amount", **{"from": "100", "to": "250"})
    owner = _rule(admin_user, "opportunity", field="owner", to=str(manager.pk))
    close = _rule(admin_user, "opportunity", field="expected_close", to="2030-01-31")
    opportunity = _opportunity(admin_user)
    with committed():  # 100 -> 300: wrong "to"; the name is no field of these rules
        opportunity_update(actor=admin_user, opportunity=opportunity, amount="300", name="B")
    with committed():  # 300 -> 250: wrong "from"
        opportunity_update(actor=admin_user, opportunity=opportunity, amount="250")
    assert _runs(amount) == [] and _runs(owner) == [] and _runs(close) == []
    other = _opportunity(admin_user)
    with committed():
        opportunity_update(
            actor=admin_user,
            opportunity=other,
            amount="250.00",
            owner=manager,
            expected_close=timezone.datetime(2030, 1, 31).date(),
        )
    for rule in (amount, owner, close):
        assert _runs(rule) == [(other.pk, "changed:v2", RunStatus.SUCCEEDED)]
    _retry(
        "opportunity",
        other.pk,
        "v2",
        {"amount": ["100.00", "250.00"], "owner": [admin_user.pk, manager.pk]},
    )
    assert [len(_runs(rule)) for rule in (amount, owner, close)] == [1, 1, 1]
    with committed():  # the same values again: nothing changes, no event
        opportunity_update(actor=admin_user, opportunity=other, amount="250", owner=manager)
    assert Opportunity.objects.get(pk=other.pk).version == 2


def test_customer_custom_field_rules_see_each_key(admin_user, committed):
    custom_field_create(
        actor=admin_user,
        entity="customer",
        key="level",
        label="Level",
        field_type="choice",
        choices=LEVELS,
    )
    changed = _rule(admin_user, "customer", field="cf_level", to="gold")
    updated = rule_create(
        actor=admin_user,
        name="u",
        active=True,
        entity="customer",
        trigger="updated",
        trigger_config={"fields": ["cf_level"]},
        actions=NOTIFY,
    )
    customer = CustomerFactory()
    with committed():  # another field: neither rule
        customer_update(actor=admin_user, customer=customer, city="Jung-gu")
    with committed():
        customer_update(actor=admin_user, customer=customer, custom_fields={"level": "gold"})
    assert _runs(changed) == [(customer.pk, "changed:v3", RunStatus.SUCCEEDED)]
    assert _runs(updated) == [(customer.pk, "updated:v3", RunStatus.SUCCEEDED)]


def test_changes_payload_adds_each_changed_custom_field():
    assert changes_payload(
        {"custom_fields": [{"a": 1, "b": ["x", "y"], "c": "same"}, {"a": 2, "c": "same"}]}
    ) == {
        "custom_fields": [{"a": 1, "b": ["x", "y"], "c": "same"}, {"a": 2, "c": "same"}],
        "cf_a": [1, 2],
        "cf_b": [["x", "y"], None],
    }
    assert changes_payload(None) is None
