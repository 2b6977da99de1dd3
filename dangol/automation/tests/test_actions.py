"""Each action does its effect through the owning app's service, once."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core import mail

from dangol.accounts.models import Notification
from dangol.accounts.roles import Role
from dangol.accounts.tests.factories import UserFactory
from dangol.automation.choices import RunStatus
from dangol.automation.engine import rule_fire
from dangol.automation.errors import ValidationError
from dangol.automation.services import rule_create
from dangol.automation.tests.factories import EmailTemplateFactory
from dangol.customers.models import Customer
from dangol.customers.tests.factories import CustomerFactory
from dangol.integration.tests.webhook_support import inline_tasks_fixture, receiver_fixture
from dangol.integration.webhooks.signing import webhook_signature_verify
from dangol.marketing.choices import CampaignStatus, SegmentKind
from dangol.marketing.models import CampaignMember, SegmentMember
from dangol.marketing.tests.factories import CampaignFactory, SegmentFactory
from dangol.sales.models import Opportunity, Order, Task
from dangol.sales.pipeline_services import opportunity_create, pipeline_stages_ensure
from dangol.sales.tests.factories import OrderFactory
from dangol.service.models import Ticket
from dangol.service.services import ticket_open

__all__ = ["inline_tasks_fixture", "receiver_fixture"]


def _fire(admin, record, *actions, entity="customer"):
    rule = rule_create(
        actor=admin, name="a", entity=entity, trigger="updated", actions=list(actions), active=True
    )
    run = rule_fire(rule=rule, record_id=record.pk, trigger_key="t")
    assert rule_fire(rule=rule, record_id=record.pk, trigger_key="t") is None  # once
    return run


def test_set_field_on_a_customer(admin_user):
    customer = CustomerFactory(region="seoul")
    run = _fire(admin_user, customer, {"type": "set_field", "field": "region", "value": "busan"})
    customer.refresh_from_db()
    assert (customer.region, customer.version) == ("busan", 2)
    assert (run.status, run.result) == (
        RunStatus.SUCCEEDED,
        [{"type": "set_field", "ok": True, "detail": "region = busan"}],
    )


def test_set_field_on_ticket_order_and_opportunity(admin_user):
    customer = CustomerFactory()
    ticket = ticket_open(
        actor=admin_user, customer=customer, subject="S", body="B", channel="phone"
    )
    _fire(
        admin_user,
        ticket,
        {"type": "set_field", "field": "priority", "value": "urgent"},
        entity="ticket",
    )
    assert Ticket.objects.get(pk=ticket.pk).priority == "urgent"
    order = OrderFactory(customer=customer, status="pending")
    _fire(
        admin_user, order, {"type": "set_field", "field": "status", "value": "paid"}, entity="order"
    )
    assert Order.objects.get(pk=order.pk).status == "paid"
    pipeline_stages_ensure()
    opportunity = opportunity_create(
        actor=admin_user,
        customer=customer,
        name="O",
        amount="10",
        expected_close=order.ordered_at.date(),
        channel="field",
    )
    _fire(
        admin_user,
        opportunity,
        {"type": "set_field", "field": "stage", "value": "proposal"},
        entity="opportunity",
    )
    assert Opportunity.objects.get(pk=opportunity.pk).stage.code == "proposal"
    run = _fire(
        admin_user,
        opportunity,
        {"type": "set_field", "field": "amount", "value": "2500.50"},
        {"type": "set_field", "field": "channel", "value": "internet"},
        entity="opportunity",
    )
    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert (stored.amount, stored.channel) == (Decimal("2500.50"), "internet")
    assert [r["detail"] for r in run.result] == ["amount = 2500.50", "channel = internet"]


def test_set_field_on_an_opportunity_checks_the_value(admin_user):
    for action, field in (
        ({"field": "amount", "value": "lots"}, "actions[0].value"),
        ({"field": "amount", "value": -1}, "actions[0].value"),
        ({"field": "channel", "value": "pigeon"}, "actions[0].value"),
        ({"field": "owner", "value": 1}, "actions[0].field"),
    ):
        with pytest.raises(ValidationError) as caught:
            rule_create(
                actor=admin_user,
                name="a",
                entity="opportunity",
                trigger="updated",
                actions=[{"type": "set_field", **action}],
            )
        assert caught.value.field == field


def test_assign_owner_of_customer_and_ticket(admin_user, sales, service):
    customer = CustomerFactory()
    _fire(admin_user, customer, {"type": "assign_owner", "user": sales.pk})
    assert Customer.objects.get(pk=customer.pk).owner == sales
    ticket = ticket_open(
        actor=admin_user, customer=customer, subject="S", body="B", channel="phone"
    )
    _fire(admin_user, ticket, {"type": "assign_owner", "user": service.pk}, entity="ticket")
    assert Ticket.objects.get(pk=ticket.pk).assignee == service


def test_create_task_for_the_record_owner(admin_user, sales):
    customer = CustomerFactory(owner=sales, name="Lee")
    run = _fire(
        admin_user,
        customer,
        {
            "type": "create_task",
            "title": "Call {{ customer.name }}",
            "due_days": 2,
            "owner": "record_owner",
        },
    )
    task = Task.objects.get()
    assert (task.title, task.owner, task.customer) == ("Call Lee", sales, customer)
    assert run.result[0]["detail"] == f"task {task.pk}"


def test_create_ticket(admin_user):
    customer = CustomerFactory(name="Cho")
    _fire(
        admin_user,
        customer,
        {
            "type": "create_ticket",
            "subject": "Check on {{ customer.name }}",
            "body": "Churn risk",
            "priority": "high",
        },
    )
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.priority, ticket.customer, ticket.channel) == (
        "Check on Cho",
        "high",
        customer,
        "api",
    )


def test_send_email_respects_consent(admin_user, committed):
    template = EmailTemplateFactory(
        subject="Hello {{ customer.name }}", body="Dear {{ customer.name }}"
    )
    willing = CustomerFactory(name="Yoon", consent_email=True)
    unwilling = CustomerFactory(name="Jang", consent_email=False)
    rule = rule_create(
        actor=admin_user,
        name="mail",
        entity="customer",
        trigger="updated",
        actions=[{"type": "send_email", "template": template.pk}],
        active=True,
    )
    with committed():
        sent = rule_fire(rule=rule, record_id=willing.pk, trigger_key="t")
        skipped = rule_fire(rule=rule, record_id=unwilling.pk, trigger_key="t")
    assert [(m.subject, m.body, m.to) for m in mail.outbox] == [
        ("Hello Yoon", "Dear Yoon", [willing.email])
    ]
    assert sent.result[0]["detail"] == f"e-mail queued to {willing.email}"
    assert skipped.result[0] == {
        "type": "send_email",
        "ok": True,
        "detail": "skipped: no e-mail consent",
    }


def test_add_to_static_segment_and_running_campaign(admin_user):
    customer = CustomerFactory()
    segment = SegmentFactory(kind=SegmentKind.STATIC)
    campaign = CampaignFactory(status=CampaignStatus.RUNNING, control_percent=0)
    run = _fire(
        admin_user,
        customer,
        {"type": "add_to_segment", "segment": segment.pk},
        {"type": "add_to_campaign", "campaign": campaign.pk},
    )
    assert SegmentMember.objects.filter(segment=segment, customer=customer).count() == 1
    member = CampaignMember.objects.get(campaign=campaign)
    assert (member.customer, member.arm, member.status) == (customer, "treatment", "pending")
    assert [r["ok"] for r in run.result] == [True, True]


def test_add_to_dynamic_segment_is_refused_when_saving(admin_user):
    segment = SegmentFactory(kind=SegmentKind.DYNAMIC)
    with pytest.raises(ValidationError) as err:
        rule_create(
            actor=admin_user,
            name="x",
            entity="customer",
            trigger="updated",
            actions=[{"type": "add_to_segment", "segment": segment.pk}],
        )
    assert err.value.field == "actions[0].segment"


def test_webhook_is_delivered_signed(admin_user, receiver, inline_tasks, committed):
    from dangol.integration.webhooks.services import webhook_endpoint_create

    endpoint = webhook_endpoint_create(actor=admin_user, url=receiver.url, event_types=["ping"])
    customer = CustomerFactory(name="Han")
    with committed():
        _fire(admin_user, customer, {"type": "webhook", "endpoint": endpoint.pk})
    [request] = receiver.requests
    assert webhook_signature_verify(
        secret=endpoint.secret,
        timestamp=request.headers["X-Dangol-Timestamp"],
        body=request.body,
        signature=request.headers["X-Dangol-Signature"],
    )
    body = json.loads(request.body)
    assert body["type"] == "automation.rule_fired"
    assert (body["data"]["customer"]["id"], body["data"]["customer"]["name"]) == (
        customer.pk,
        "Han",
    )


def test_notify_a_user(admin_user, manager):
    customer = CustomerFactory(name="Seo")
    _fire(
        admin_user,
        customer,
        {"type": "notify", "user": manager.pk, "text": "Look at {{ customer.name }}"},
    )
    note = Notification.objects.get(user=manager)
    assert (note.kind, note.text, note.url) == (
        "automation",
        "Look at Seo",
        f"/customers/{customer.pk}/",
    )


def test_a_refused_action_is_logged_and_the_others_still_run(admin_user):
    customer = CustomerFactory()
    order = OrderFactory(customer=customer, status="completed")
    run = _fire(
        admin_user,
        order,
        {"type": "set_field", "field": "status", "value": "paid"},  # completed -> paid: refused
        {"type": "notify", "user": "rule_owner", "text": "order {{ record.number }}"},
        entity="order",
    )
    assert run.status == RunStatus.FAILED
    assert [r["ok"] for r in run.result] == [False, True]
    assert run.error == "1. set_field: An order that is completed cannot become paid"
    assert Order.objects.get(pk=order.pk).status == "completed"
    assert Notification.objects.filter(user=admin_user, text=f"order {order.number}").count() == 1


def test_actions_run_as_the_rule_creator_and_stop_without_one(admin_user):
    customer = CustomerFactory(region="seoul")
    creator = UserFactory(username="gone", role=Role.ADMIN)
    rule = rule_create(
        actor=creator,
        name="x",
        entity="customer",
        trigger="updated",
        actions=[{"type": "set_field", "field": "region", "value": "busan"}],
        active=True,
    )
    creator.is_active = False
    creator.save()
    run = rule_fire(rule=rule, record_id=customer.pk, trigger_key="t")
    assert run.status == RunStatus.FAILED
    assert "no longer an active user" in run.error
    assert Customer.objects.get(pk=customer.pk).region == "seoul"
