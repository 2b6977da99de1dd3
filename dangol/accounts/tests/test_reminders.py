"""Reminders: each kind notifies the right people once; reruns add nothing; email if chosen."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from dangol.accounts.models import Notification
from dangol.accounts.reminders import reminders_run, reminders_sweep
from dangol.accounts.roles import Role
from dangol.accounts.tests.factories import UserFactory
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.models import Lead, Opportunity
from dangol.sales.pipeline_services import lead_capture, opportunity_create
from dangol.sales.work_services import task_create, task_done
from dangol.service.models import Ticket
from dangol.service.services import ticket_escalate_due, ticket_open
from dangol.service.tests.factories import QueueFactory

pytestmark = pytest.mark.django_db

# 10:00 in Seoul on a Wednesday: a working day, clear of midnight either way.
NOW = dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def inline_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _kinds(user) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", "dedupe_key"))


def test_tasks_due_today_and_overdue_notify_the_owner_once(sales, other_sales):
    due_today = task_create(actor=sales, title="Call Kim", due_at=NOW + dt.timedelta(hours=5))
    overdue = task_create(actor=sales, title="Send quote", due_at=NOW - dt.timedelta(days=2))
    task_create(actor=sales, title="Next week", due_at=NOW + dt.timedelta(days=7))
    done = task_create(actor=other_sales, title="Done", due_at=NOW - dt.timedelta(hours=1))
    task_done(actor=other_sales, task=done)

    counts = reminders_run(now=NOW)

    assert (counts["task_due"], counts["task_overdue"]) == (1, 1)
    assert _kinds(sales) == [
        ("task_due", f"task_due:task:{due_today.pk}:2026-11-25"),
        ("task_overdue", f"task_overdue:task:{overdue.pk}:2026-11-23"),
    ]
    assert _kinds(other_sales) == []
    texts = set(Notification.objects.values_list("text", flat=True))
    assert texts == {
        "Task due today: Call Kim (15:00)",
        "Task overdue: Send quote (was due 2026-11-23 10:00)",
    }
    # A rerun, later the same day, sends nothing more.
    assert sum(reminders_run(now=NOW + dt.timedelta(hours=3)).values()) == 0
    assert Notification.objects.count() == 2
    # Moved to another day, the task is a new item and is reminded again.
    overdue.due_at = NOW + dt.timedelta(hours=1)
    overdue.save()
    assert reminders_run(now=NOW)["task_due"] == 1
    assert Notification.objects.count() == 3


def test_follow_ups_closing_stale_and_uncontacted_leads(sales):
    customer = CustomerFactory(owner=sales)
    closing = opportunity_create(
        actor=sales,
        customer=customer,
        name="Fridge order",
        amount="1000",
        expected_close=dt.date(2026, 11, 30),
        channel="field",
    )
    far = opportunity_create(
        actor=sales,
        customer=customer,
        name="Far away",
        amount="500",
        expected_close=dt.date(2027, 3, 1),
        channel="field",
    )
    Opportunity.objects.filter(pk=far.pk).update(updated_at=NOW - dt.timedelta(days=20))
    Opportunity.objects.filter(pk=closing.pk).update(updated_at=NOW - dt.timedelta(days=1))
    lead = lead_capture(
        actor=sales, name="Lee Minho", source="referral", email="lead@dangol.test", owner=sales
    )
    Lead.objects.filter(pk=lead.pk).update(created_at=NOW - dt.timedelta(days=3))
    fresh = lead_capture(
        actor=sales, name="New today", source="referral", email="lead@dangol.test", owner=sales
    )
    Lead.objects.filter(pk=fresh.pk).update(created_at=NOW - dt.timedelta(hours=2))

    counts = reminders_run(now=NOW)

    assert (counts["followup_closing"], counts["followup_stale"], counts["lead_uncontacted"]) == (
        1,
        1,
        1,
    )
    assert _kinds(sales) == [
        ("followup_closing", f"followup_closing:opportunity:{closing.pk}:2026-11-30"),
        ("followup_stale", f"followup_stale:opportunity:{far.pk}:2026-11-05"),
        ("lead_uncontacted", f"lead_uncontacted:lead:{lead.pk}:2026-11-22"),
    ]
    assert sum(reminders_run(now=NOW).values()) == 0


def test_sla_warning_and_breach_reach_assignee_and_queue_lead(service, manager, team, sales):
    queue = QueueFactory(team=team)
    other_manager = UserFactory(username="elsewhere", role=Role.MANAGER)
    customer = CustomerFactory()
    soon = ticket_open(actor=service, customer=customer, subject="Soon", body="x", channel="phone")
    late = ticket_open(actor=service, customer=customer, subject="Late", body="x", channel="phone")
    calm = ticket_open(actor=service, customer=customer, subject="Calm", body="x", channel="phone")
    Ticket.objects.filter(pk=soon.pk).update(
        assignee=service,
        queue=queue,
        first_response_due=NOW + dt.timedelta(minutes=30),
        resolution_due=NOW + dt.timedelta(days=2),
    )
    Ticket.objects.filter(pk=late.pk).update(
        assignee=service,
        queue=queue,
        first_responded_at=NOW - dt.timedelta(hours=5),
        first_response_due=NOW - dt.timedelta(hours=4),
        resolution_due=NOW - dt.timedelta(minutes=10),
    )
    Ticket.objects.filter(pk=calm.pk).update(
        assignee=service,
        first_response_due=NOW + dt.timedelta(hours=3),
        resolution_due=NOW + dt.timedelta(days=3),
    )

    counts = reminders_run(now=NOW)

    assert (counts["sla_warning"], counts["sla_breach"]) == (2, 2)
    expected = [
        ("sla_breach", f"sla_breach:ticket:{late.pk}:resolution:2026-11-25"),
        ("sla_warning", f"sla_warning:ticket:{soon.pk}:first_response:2026-11-25"),
    ]
    assert _kinds(service) == expected
    assert _kinds(manager) == expected  # the lead of the queue's team
    assert _kinds(other_manager) == [] and _kinds(sales) == []
    # The service's own escalation of the same breach does not notify the assignee again.
    assert ticket_escalate_due(now=NOW) == 1
    assert Notification.objects.filter(user=service, kind="sla_breach").count() == 1
    assert sum(reminders_run(now=NOW + dt.timedelta(minutes=5)).values()) == 0


def test_email_goes_only_to_those_who_chose_it(
    sales, other_sales, inline_tasks, django_capture_on_commit_callbacks
):
    sales.notify_by_email, sales.email = True, "sales@dangol.test"
    sales.save()
    other_sales.email = "other@dangol.test"
    other_sales.save()
    task_create(actor=sales, title="Call Kim", due_at=NOW + dt.timedelta(hours=1))
    task_create(actor=other_sales, title="Call Park", due_at=NOW + dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        reminders_run(now=NOW)
    [message] = mail.outbox
    assert message.to == ["sales@dangol.test"]
    assert message.subject == "Task due today: Call Kim (11:00)"
    assert message.body.endswith("/pipeline/tasks/")
    with django_capture_on_commit_callbacks(execute=True):
        reminders_run(now=NOW)
    assert len(mail.outbox) == 1  # a rerun emails nothing either


def test_command_runs_the_sweep_and_reports_counts(sales):
    task_create(actor=sales, title="Call Kim", due_at=timezone.now() + dt.timedelta(minutes=1))
    out = StringIO()
    call_command("reminders", "run", stdout=out)
    lines = dict(line.split() for line in out.getvalue().splitlines())
    assert int(lines["total"]) == Notification.objects.filter(user=sales).count() >= 1
    out = StringIO()
    call_command("reminders", "run", stdout=out)
    assert dict(line.split() for line in out.getvalue().splitlines())["total"] == "0"


def test_the_worker_sweep_queues_the_run_at_most_every_few_minutes(settings, inline_tasks, sales):
    import dangol.accounts.reminders as reminders

    settings.DANGOL_REMINDERS_EVERY_MINUTES = 5
    reminders._last_queued = None
    task_create(actor=sales, title="Call Kim", due_at=timezone.now() + dt.timedelta(minutes=1))
    assert reminders_sweep() is True
    assert Notification.objects.filter(user=sales).count() == 1
    assert reminders_sweep() is False  # within five minutes of the last one
    assert "dangol.accounts.reminders.reminders_sweep" in settings.DANGOL_WORKER_SWEEPS


def test_command_at_a_given_time_and_a_bad_time(sales):
    from django.core.management.base import CommandError

    task_create(actor=sales, title="Call Kim", due_at=NOW + dt.timedelta(hours=1))
    out = StringIO()
    call_command("reminders", "run", "--at", "2026-11-25T10:00", stdout=out)
    assert dict(line.split() for line in out.getvalue().splitlines())["task_due"] == "1"
    with pytest.raises(CommandError, match="--at must be an ISO 8601 time"):
        call_command("reminders", "run", "--at", "tomorrow")
