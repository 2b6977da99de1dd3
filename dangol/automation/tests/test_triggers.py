"""Each trigger type fires once per event, and not again when the task is retried."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.utils import timezone

from dangol.accounts.models import Notification
from dangol.automation.choices import RunStatus
from dangol.automation.engine import automation_sweep, event_process, rule_sweep
from dangol.automation.models import Rule, RuleMatch, RuleRun
from dangol.automation.services import rule_create
from dangol.automation.tasks import automation_event_task
from dangol.customers.score_services import customer_scores_bulk_write
from dangol.customers.services import customer_create, customer_update
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.tests.factories import OrderFactory
from dangol.service.services import ticket_customer_reply, ticket_open

NOTIFY = [{"type": "notify", "user": "rule_owner", "text": "{{ record }} fired"}]


def _rule(admin, **fields) -> Rule:
    fields.setdefault("entity", "customer")
    fields.setdefault("actions", NOTIFY)
    return rule_create(actor=admin, name="r", active=True, **fields)


def _runs(rule) -> list[tuple[int, str, str]]:
    return list(
        RuleRun.objects.filter(rule=rule)
        .order_by("id")
        .values_list("record_id", "trigger_key", "status")
    )


def test_created_fires_once_and_not_on_retry(admin_user, committed):
    rule = _rule(
        admin_user, trigger="created", conditions={"field": "region", "op": "eq", "value": "seoul"}
    )
    with committed():
        seoul = customer_create(actor=admin_user, name="Kim", region="seoul")
        customer_create(actor=admin_user, name="Park", region="busan")
    assert _runs(rule) == [(seoul.pk, "created", RunStatus.SUCCEEDED)]
    # The task retried (same arguments) and the event repeated: still one run.
    automation_event_task.call(
        entity="customer", record_id=seoul.pk, event="created", changes=None, key="x", chain=[]
    )
    event_process(
        entity="customer", record_id=seoul.pk, event="created", changes=None, key="y", chain=[]
    )
    assert len(_runs(rule)) == 1
    assert Notification.objects.filter(user=admin_user, kind="automation").count() == 1
    assert Notification.objects.get(user=admin_user).text == "Kim fired"


def test_updated_fires_once_per_update(admin_user, committed):
    rule = _rule(admin_user, trigger="updated")
    customer = CustomerFactory(city="Mapo-gu")
    with committed():
        customer_update(actor=admin_user, customer=customer, city="Jongno-gu")
    assert _runs(rule) == [(customer.pk, "updated:v2", RunStatus.SUCCEEDED)]
    for _ in range(2):  # a retried task carries the same key
        event_process(
            entity="customer",
            record_id=customer.pk,
            event="updated",
            changes={"city": ["Mapo-gu", "Jongno-gu"]},
            key="v2",
            chain=[],
        )
    assert len(_runs(rule)) == 1
    with committed():
        customer_update(actor=admin_user, customer=customer, city="Jung-gu")
    assert [key for _, key, _ in _runs(rule)] == ["updated:v2", "updated:v3"]


def test_updated_limited_to_fields(admin_user, committed):
    rule = _rule(admin_user, trigger="updated", trigger_config={"fields": ["region"]})
    customer = CustomerFactory(region="seoul")
    with committed():
        customer_update(actor=admin_user, customer=customer, city="Jung-gu")
    assert _runs(rule) == []
    with committed():
        customer_update(actor=admin_user, customer=customer, region="busan")
    assert _runs(rule) == [(customer.pk, "updated:v3", RunStatus.SUCCEEDED)]


def test_field_changed_from_to(admin_user, committed):
    rule = _rule(
        admin_user,
        trigger="field_changed",
        trigger_config={"field": "status", "from": "customer", "to": "churned"},
    )
    customer = CustomerFactory(status="prospect")
    with committed():
        customer_update(actor=admin_user, customer=customer, status="customer")  # wrong "from"
    assert _runs(rule) == []
    with committed():
        customer_update(actor=admin_user, customer=customer, status="churned")
    assert _runs(rule) == [(customer.pk, "changed:v3", RunStatus.SUCCEEDED)]
    event_process(
        entity="customer",
        record_id=customer.pk,
        event="updated",
        changes={"status": ["customer", "churned"]},
        key="v3",
        chain=[],
    )
    assert len(_runs(rule)) == 1


def test_date_reached_fires_once_per_target_date(admin_user):
    rule = _rule(
        admin_user,
        trigger="date_reached",
        trigger_config={"date_field": "last_order", "days": 30, "direction": "after"},
    )
    now = timezone.now()
    due = CustomerFactory()
    OrderFactory(customer=due, ordered_at=now - dt.timedelta(days=30))
    OrderFactory(customer=due, ordered_at=now - dt.timedelta(days=60))
    recent = CustomerFactory()  # ordered again since: last order 5 days ago
    OrderFactory(customer=recent, ordered_at=now - dt.timedelta(days=30))
    OrderFactory(customer=recent, ordered_at=now - dt.timedelta(days=5))
    CustomerFactory()  # never ordered
    assert rule_sweep(rule_id=rule.pk, now=now) == 1
    assert rule_sweep(rule_id=rule.pk, now=now) == 0  # the sweep again (or a retry)
    target = timezone.localtime(now).date().isoformat()
    assert _runs(rule) == [(due.pk, f"date:{target}", RunStatus.SUCCEEDED)]
    # A day later the same target date is within the catch-up window: still one run.
    assert rule_sweep(rule_id=rule.pk, now=now + dt.timedelta(days=1)) == 0


def test_date_before_expected_close_on_opportunities(admin_user):
    from dangol.sales.pipeline_services import opportunity_create, pipeline_stages_ensure

    pipeline_stages_ensure()
    rule = _rule(
        admin_user,
        entity="opportunity",
        trigger="date_reached",
        trigger_config={"date_field": "expected_close", "days": 3, "direction": "before"},
    )
    customer = CustomerFactory()
    today = timezone.localdate()
    soon = opportunity_create(
        actor=admin_user,
        customer=customer,
        name="Soon",
        amount="1000",
        expected_close=today + dt.timedelta(days=3),
        channel="field",
    )
    opportunity_create(
        actor=admin_user,
        customer=customer,
        name="Later",
        amount="1000",
        expected_close=today + dt.timedelta(days=10),
        channel="field",
    )
    assert rule_sweep(rule_id=rule.pk) == 1
    assert rule_sweep(rule_id=rule.pk) == 0
    assert _runs(rule) == [(soon.pk, f"date:{today.isoformat()}", RunStatus.SUCCEEDED)]


def _scores(rows: dict[int, float]) -> None:
    frame = pd.DataFrame({"customer_id": list(rows), "churn_probability": list(rows.values())})
    customer_scores_bulk_write(rows=frame, fields=["churn_probability"])


def test_score_crossing_fires_on_each_crossing_only(admin_user):
    already, crossing = CustomerFactory(), CustomerFactory()
    _scores({already.pk: 0.9, crossing.pk: 0.5})
    rule = _rule(
        admin_user,
        trigger="score_crossed",
        trigger_config={"field": "churn_probability", "op": "gt", "value": 0.7},
    )
    # Switching on records who is past the threshold already, without firing.
    assert list(RuleMatch.objects.filter(rule=rule).values_list("record_id", flat=True)) == [
        already.pk
    ]
    assert rule_sweep(rule_id=rule.pk) == 0
    _scores({crossing.pk: 0.8})
    assert rule_sweep(rule_id=rule.pk) == 1
    assert rule_sweep(rule_id=rule.pk) == 0  # still past it: no new crossing
    _scores({crossing.pk: 0.2})
    assert rule_sweep(rule_id=rule.pk) == 0
    _scores({crossing.pk: 0.95})
    assert rule_sweep(rule_id=rule.pk) == 1  # crossed again
    runs = _runs(rule)
    assert [r[0] for r in runs] == [crossing.pk, crossing.pk]
    assert runs[0][1] != runs[1][1] and all(r[1].startswith("crossed:") for r in runs)


def test_score_rules_run_after_the_scorers(admin_user, settings):
    from dangol.automation.engine import score_rules_after_refresh

    assert "dangol.automation.engine.score_rules_after_refresh" in (
        settings.DANGOL_SCORERS_AFTER_REFRESH
    )
    customer = CustomerFactory()
    rule = _rule(
        admin_user,
        trigger="score_crossed",
        trigger_config={"field": "churn_probability", "op": "gte", "value": 0.7},
    )
    _scores({customer.pk: 0.7})
    assert score_rules_after_refresh(as_of=timezone.localdate(), progress=None) == 1
    assert score_rules_after_refresh(as_of=timezone.localdate(), progress=None) == 0
    assert len(_runs(rule)) == 1


def test_inbound_message_fires_once_per_message(admin_user, committed):
    rule = _rule(admin_user, entity="ticket", trigger="inbound_message")
    customer = CustomerFactory()
    with committed():
        ticket = ticket_open(
            actor=admin_user, customer=customer, subject="Help", body="Hi", channel="phone"
        )
    with committed():
        message = ticket_customer_reply(ticket=ticket, body="Any news?")
    assert _runs(rule) == [(ticket.pk, f"message:{message.pk}", RunStatus.SUCCEEDED)]
    event_process(
        entity="ticket",
        record_id=ticket.pk,
        event="inbound_message",
        changes=None,
        key=str(message.pk),
        chain=[],
    )
    assert len(_runs(rule)) == 1


def test_inbound_email_threaded_onto_a_ticket_fires(admin_user, committed):
    from dangol.service.mailbox import ticket_email_receive
    from dangol.service.services import ticket_subject_tag

    rule = _rule(admin_user, entity="ticket", trigger="inbound_message")
    customer = CustomerFactory(email="mina@example.test")
    ticket = ticket_open(
        actor=admin_user, customer=customer, subject="Parcel", body="Where?", channel="email"
    )
    raw = (
        f"From: Mina <mina@example.test>\r\nSubject: Re: {ticket_subject_tag(ticket)} Parcel\r\n"
        "Message-ID: <m2@example.test>\r\n\r\nStill waiting.\r\n"
    ).encode()
    with committed():
        ticket_email_receive(raw=raw)
    with committed():
        ticket_email_receive(raw=raw)  # the same mail fetched twice
    assert [(r[0], r[2]) for r in _runs(rule)] == [(ticket.pk, RunStatus.SUCCEEDED)]


def test_schedule_fires_once_a_day_for_matching_records(admin_user, committed):
    rule = _rule(
        admin_user,
        trigger="schedule",
        trigger_config={"every": "daily", "at": "08:00"},
        conditions={"field": "region", "op": "eq", "value": "busan"},
    )
    busan = [CustomerFactory(region="busan"), CustomerFactory(region="busan")]
    CustomerFactory(region="seoul")
    day = timezone.localdate()
    early = timezone.make_aware(dt.datetime.combine(day, dt.time(7, 0)))
    late = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
    assert automation_sweep(now=early) == []
    assert rule_sweep(rule_id=rule.pk, now=early) == 0
    assert rule_sweep(rule_id=rule.pk, now=late) == 2
    assert rule_sweep(rule_id=rule.pk, now=late) == 0
    keys = {key for _, key, _ in _runs(rule)}
    assert keys == {f"schedule:{day.isoformat()}"}
    assert sorted(r[0] for r in _runs(rule)) == sorted(c.pk for c in busan)
    # The worker's sweep: enqueued once after 08:00 (the task runs inline here).
    next_day = late + dt.timedelta(days=1)
    with committed():
        assert automation_sweep(now=next_day) == [rule.pk]
    with committed():
        assert automation_sweep(now=next_day + dt.timedelta(minutes=5)) == []
    assert len(_runs(rule)) == 4


def test_inactive_rules_do_not_fire(admin_user, committed):
    rule = _rule(admin_user, trigger="updated")
    Rule.objects.filter(pk=rule.pk).update(active=False)
    customer = CustomerFactory()
    with committed():
        customer_update(actor=admin_user, customer=customer, city="Jung-gu")
    assert _runs(rule) == []


def test_worker_sweep_looks_at_date_rules_once_per_interval(admin_user, committed, settings):
    settings.DANGOL_AUTOMATION_SWEEP_MINUTES = 60
    assert "dangol.automation.engine.automation_sweep" in settings.DANGOL_WORKER_SWEEPS
    rule = _rule(
        admin_user,
        trigger="date_reached",
        trigger_config={"date_field": "created_at", "days": 0},
    )
    customer = CustomerFactory()  # created today: due now
    now = timezone.now()
    with committed():
        assert automation_sweep(now=now) == [rule.pk]
    with committed():
        assert automation_sweep(now=now + dt.timedelta(minutes=30)) == []
    with committed():
        assert automation_sweep(now=now + dt.timedelta(minutes=61)) == [rule.pk]
    today = timezone.localtime(now).date().isoformat()
    assert _runs(rule) == [(customer.pk, f"date:{today}", RunStatus.SUCCEEDED)]


def test_writers_register_no_automation_work_without_active_rules(
    admin_user, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks() as calls:
        customer_update(actor=admin_user, customer=customer, city="Jung-gu")
    assert calls == []  # no webhook endpoint, no rule: nothing after commit
    rule = _rule(admin_user, trigger="updated")
    with django_capture_on_commit_callbacks() as calls:
        customer_update(actor=admin_user, customer=customer, city="Mapo-gu")
    assert len(calls) == 1
    Rule.objects.filter(pk=rule.pk).update(active=False)
    with django_capture_on_commit_callbacks() as calls:
        customer_update(actor=admin_user, customer=customer, city="Jongno-gu")
    assert calls == []
