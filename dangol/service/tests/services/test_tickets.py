"""Opening, answering, moving and closing tickets: SLA dues, history, emails, timeline."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from dangol.core.errors import ConflictError, PermissionDeniedError, ValidationError
from dangol.service.choices import TicketStatus
from dangol.service.models import Holiday, SatisfactionSurvey, SlaPolicy, TicketChange
from dangol.service.services import (
    survey_answer,
    ticket_assign,
    ticket_escalate_due,
    ticket_note_add,
    ticket_open,
    ticket_priority_set,
    ticket_reply,
    ticket_status_set,
)
from dangol.service.tests.factories import CustomerFactory, QueueFactory
from dangol.touchpoints.models import Interaction

pytestmark = pytest.mark.django_db
SEOUL = ZoneInfo("Asia/Seoul")
FRIDAY_10 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=SEOUL)


def open_ticket(actor=None, customer=None, **extra):
    fields = {
        "subject": "Broken kettle",
        "body": "It does not heat.",
        "channel": "phone",
        "opened_at": FRIDAY_10,
    }
    return ticket_open(actor=actor, customer=customer or CustomerFactory(), **fields | extra)


def test_open_sets_sla_dues_on_business_hours(service):
    ticket = open_ticket(service)
    # Normal: first response 540 business minutes, resolution 1620 (seeded policy).
    # Friday 10:00 + 9 h = Friday 8 h + Monday 1 h -> Monday 10:00.
    assert ticket.first_response_due == dt.datetime(2026, 11, 30, 10, 0, tzinfo=SEOUL)
    # + 27 h = Friday 8 + Monday 9 + Tuesday 9 + Wednesday 1 -> Wednesday 10:00.
    assert ticket.resolution_due == dt.datetime(2026, 12, 2, 10, 0, tzinfo=SEOUL)
    assert (ticket.status, ticket.messages.count()) == (TicketStatus.NEW, 1)


def test_a_holiday_moves_the_due_time(service):
    policy = SlaPolicy.objects.get(priority="normal")
    Holiday.objects.create(calendar=policy.calendar, date=dt.date(2026, 11, 30), name="Day off")
    ticket = open_ticket(service)
    assert ticket.first_response_due == dt.datetime(2026, 12, 1, 10, 0, tzinfo=SEOUL)


def test_open_logs_the_ticket_on_the_timeline(service, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(service)
    entry = Interaction.objects.get(customer=ticket.customer)
    assert (entry.channel, entry.direction, entry.subject, entry.subject_id) == (
        "phone",
        "inbound",
        f"#{ticket.pk} Broken kettle",
        ticket.pk,
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("subject", "  ", "subject is required"),
        ("channel", "pigeon", "Unknown channel"),
        ("priority", "asap", "Unknown priority"),
        ("subject", "x" * 201, "longer than 200"),
    ],
)
def test_bad_input_is_rejected_and_nothing_is_written(service, field, value, message):
    customer = CustomerFactory()
    with pytest.raises(ValidationError, match=message) as caught:
        open_ticket(service, customer, **{field: value})
    assert caught.value.field == field
    assert not customer.tickets.exists()


def test_reply_emails_the_customer_threaded_and_stops_the_first_response_clock(
    service, django_capture_on_commit_callbacks
):
    ticket = open_ticket(service, message_id="<first@customer.test>", channel="email")
    with django_capture_on_commit_callbacks(execute=True):
        reply = ticket_reply(actor=service, ticket=ticket, body="We will replace it.")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == reply.occurred_at
    assert (ticket.status, ticket.assignee) == (TicketStatus.PENDING, service)
    [sent] = mail.outbox
    assert sent.to == [ticket.customer.email]
    assert sent.subject == f"[#{ticket.pk}:{ticket.thread_token[:8]}] Broken kettle"
    assert sent.extra_headers["In-Reply-To"] == "<first@customer.test>"
    assert sent.extra_headers["Message-ID"] == reply.message_id


def test_a_note_is_never_emailed(service, django_capture_on_commit_callbacks):
    ticket = open_ticket(service)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_note_add(actor=service, ticket=ticket, body="Customer sounded upset")
    assert mail.outbox == []
    assert ticket.first_responded_at is None


def test_who_may_work_a_ticket(service, sales, other_sales, marketing, analyst):
    mine = CustomerFactory(owner=sales)
    ticket = open_ticket(sales, mine)
    ticket_reply(actor=sales, ticket=ticket, body="On it")
    for outsider in (other_sales, marketing, analyst):
        with pytest.raises(PermissionDeniedError):
            ticket_reply(actor=outsider, ticket=ticket, body="hello")
    with pytest.raises(PermissionDeniedError):
        open_ticket(other_sales, mine)


def test_status_moves_follow_the_rules_and_are_recorded(service):
    ticket = open_ticket(service)
    ticket_status_set(actor=service, ticket=ticket, status="open")
    ticket_status_set(actor=service, ticket=ticket, status="resolved")
    assert ticket.resolved_at is not None
    with pytest.raises(ValidationError, match="cannot become new"):
        ticket_status_set(actor=service, ticket=ticket, status="new")
    history = list(TicketChange.objects.filter(ticket=ticket).values_list("old", "new"))
    assert history == [("", "new"), ("new", "open"), ("open", "resolved")]


def test_closing_sends_a_survey_answered_once(service, django_capture_on_commit_callbacks):
    ticket = open_ticket(service)
    ticket_status_set(actor=service, ticket=ticket, status="resolved")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_status_set(actor=service, ticket=ticket, status="closed")
    survey = SatisfactionSurvey.objects.get(ticket=ticket)
    assert survey.token in mail.outbox[0].body
    with pytest.raises(ValidationError, match="1 to 5"):
        survey_answer(token=survey.token, score="9")
    survey_answer(token=survey.token, score="4", comment="Quick")
    with pytest.raises(ValidationError, match="already answered"):
        survey_answer(token=survey.token, score=5)
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (4, "Quick")


def test_a_stale_version_is_refused(service, manager):
    ticket = open_ticket(service, CustomerFactory(owner=manager))
    seen = ticket.version
    ticket_status_set(actor=service, ticket=ticket, status="open", expected_version=seen)
    with pytest.raises(ConflictError):
        ticket_status_set(actor=manager, ticket=ticket, status="resolved", expected_version=seen)


def test_assign_checks_the_assignee_and_records_history(service, manager, analyst):
    ticket = open_ticket(service, CustomerFactory(owner=manager))
    queue = QueueFactory(code="returns")
    ticket_assign(actor=manager, ticket=ticket, assignee=service, queue=queue)
    with pytest.raises(ValidationError, match="only be assigned"):
        ticket_assign(actor=manager, ticket=ticket, assignee=analyst)
    fields = set(TicketChange.objects.filter(ticket=ticket).values_list("field", "new"))
    assert {("assignee", "service"), ("queue", "returns")} <= fields


def test_priority_change_recomputes_dues(service):
    ticket = open_ticket(service)
    ticket_priority_set(actor=service, ticket=ticket, priority="urgent")
    # Urgent: first response 60 business minutes -> Friday 11:00.
    assert ticket.first_response_due == dt.datetime(2026, 11, 27, 11, 0, tzinfo=SEOUL)


def test_escalation_sweep_marks_overdue_tickets_once_and_tells_the_assignee(service):
    from dangol.accounts.models import Notification

    ticket = open_ticket(service)
    ticket_assign(actor=service, ticket=ticket, assignee=service)
    later = ticket.resolution_due + dt.timedelta(minutes=1)
    assert ticket_escalate_due(now=later) == 1
    assert ticket_escalate_due(now=later) == 0
    ticket.refresh_from_db()
    assert ticket.escalated_at == later
    assert Notification.objects.get(user=service).kind == "sla_breach"
