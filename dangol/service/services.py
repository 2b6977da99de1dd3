"""Writes of customer service: open, reply, note, assign, move and close tickets.

Every ticket carries its SLA due times, computed on the business calendar of the policy
for its priority when it opens (and again when its priority changes). Each customer
message and each reply also goes on the customer's timeline, after commit.
"""

from __future__ import annotations

import datetime as dt
import secrets
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dangol.accounts.notifications import mentioned_users, notification_send
from dangol.automation.events import automation_event_on_commit
from dangol.core.audit.recording import audit_record, audit_snapshot
from dangol.core.customfields.validation import custom_fields_clean
from dangol.core.tasks import task_enqueue_on_commit
from dangol.integration.webhooks.services import webhook_record_emit
from dangol.service import permissions
from dangol.service.choices import (
    STATUS_NEXT,
    MessageKind,
    TicketChannel,
    TicketKind,
    TicketPriority,
    TicketStatus,
)
from dangol.service.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ServiceErrorCode,
    ValidationError,
)
from dangol.service.models import (
    Queue,
    SatisfactionSurvey,
    SlaPolicy,
    Ticket,
    TicketCategory,
    TicketChange,
    TicketMessage,
)
from dangol.service.selectors import sla_calendar
from dangol.service.sla import business_add
from dangol.service.tasks import survey_email_task, ticket_reply_email_task

SUBJECT_MAX = 200
BODY_MAX = 100_000

# The timeline channel each ticket channel is logged on.
TIMELINE_CHANNEL = {
    TicketChannel.EMAIL: "email",
    TicketChannel.WEB: "web",
    TicketChannel.CHAT: "chat",
    TicketChannel.PHONE: "phone",
    TicketChannel.FAX: "fax",
    TicketChannel.PORTAL: "web",
    TicketChannel.API: "web",
}


def _choice(value: Any, choices, *, field: str) -> str:
    value = str(value or "").strip()
    if value not in choices.values:
        raise ValidationError(
            f"Unknown {field}: {value!r} (one of {', '.join(choices.values)})",
            code=ServiceErrorCode.UNKNOWN_CHOICE,
            field=field,
        )
    return value


def _text(value: Any, *, field: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if field == "subject":
        text = " ".join(text.split())
    if required and not text:
        raise ValidationError(
            f"The {field} is required", code=ServiceErrorCode.REQUIRED, field=field
        )
    if len(text) > max_length:
        raise ValidationError(
            f"The {field} is longer than {max_length} characters",
            code=ServiceErrorCode.TOO_LONG,
            field=field,
        )
    return text


def _aware(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        return timezone.now()
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDeniedError(message, code=ServiceErrorCode.PERMISSION_DENIED)


def _check_version(ticket: Ticket, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != ticket.version:
        raise ConflictError(
            "Someone else changed this ticket since you opened it; reload and try again",
            field="version",
        )


def _bump(ticket: Ticket, fields: list[str], actor=None) -> None:
    """Save ``fields`` and the version, refusing if the row moved on since it was read.

    The automation event carries each field's stored value before this write and the
    new one (foreign keys as ids), so "changed from X to Y" rules work on tickets.
    """
    stored = Ticket.objects.get(pk=ticket.pk)  # the row as stored
    before = audit_snapshot(stored)
    attnames = {name: Ticket._meta.get_field(name).attname for name in fields}
    ticket.updated_at = timezone.now()
    updated = Ticket.objects.filter(pk=ticket.pk, version=ticket.version).update(
        version=F("version") + 1,
        updated_at=ticket.updated_at,
        **{name: getattr(ticket, name) for name in fields},
    )
    if not updated:
        raise ConflictError(
            "Someone else changed this ticket at the same time; reload and try again",
            field="version",
        )
    ticket.version += 1
    audit_record(instance=ticket, actor=actor, action="update", before=before)
    webhook_record_emit(event_type="ticket.updated", record=ticket)
    automation_event_on_commit(
        entity="ticket",
        record_id=ticket.pk,
        event="updated",
        key=f"v{ticket.version}",
        changes={
            name: [getattr(stored, attname), getattr(ticket, attname)]
            for name, attname in attnames.items()
        },
    )


def _change(ticket: Ticket, *, field: str, old: Any, new: Any, actor, when=None) -> None:
    TicketChange.objects.create(
        ticket=ticket,
        field=field,
        old="" if old is None else str(old),
        new="" if new is None else str(new),
        actor=actor,
        occurred_at=when or timezone.now(),
    )


def _sla_dues(priority: str, opened_at: dt.datetime) -> tuple[dt.datetime | None, ...]:
    policy = SlaPolicy.objects.select_related("calendar").filter(priority=priority).first()
    if policy is None:
        return None, None
    calendar = sla_calendar(calendar_id=policy.calendar_id)
    return (
        business_add(start=opened_at, minutes=policy.first_response_minutes, calendar=calendar),
        business_add(start=opened_at, minutes=policy.resolution_minutes, calendar=calendar),
    )


def _timeline(*, actor, ticket: Ticket, direction: str, subject: str, body: str, when) -> None:
    """Log a ticket message on the customer's timeline once the ticket is committed."""
    from dangol.touchpoints.services import interaction_log

    def log() -> None:
        interaction_log(
            actor=None,  # the ticket's own permissions were checked; the system logs it
            customer=ticket.customer,
            channel=TIMELINE_CHANNEL[ticket.channel],
            direction=direction,
            subject=subject[:200],
            body=body[:5000],
            occurred_at=when,
            concerns=ticket,
        )

    transaction.on_commit(log, robust=True)


@transaction.atomic
def ticket_open(
    *,
    actor,
    customer,
    subject: str,
    body: str,
    channel: str,
    kind: str = TicketKind.REQUEST,
    priority: str = TicketPriority.NORMAL,
    category: TicketCategory | None = None,
    product=None,
    queue: Queue | None = None,
    opened_at: dt.datetime | None = None,
    from_address: str = "",
    message_id: str | None = None,
    custom_fields: dict[str, Any] | None = None,
) -> Ticket:
    """Open a ticket for ``customer`` with its first message, SLA dues and timeline entry.

    :param actor: the agent logging it (a phone call, a fax), or ``None`` when the
        customer opened it themselves (email, web form, portal).
    :raises PermissionDeniedError: ``actor`` may not open tickets for this customer.
    :raises ValidationError: a field is missing, too long or not a known choice.
    """
    if actor is not None:
        _require(
            permissions.can_open_ticket(actor, customer),
            "You may not open tickets for this customer",
        )
    subject = _text(subject, field="subject", max_length=SUBJECT_MAX)
    body = _text(body, field="body", max_length=BODY_MAX)
    channel = _choice(channel, TicketChannel, field="channel")
    kind = _choice(kind, TicketKind, field="kind")
    priority = _choice(priority, TicketPriority, field="priority")
    opened_at = _aware(opened_at)
    first_due, resolution_due = _sla_dues(priority, opened_at)
    # A customer opening a ticket cannot fill staff fields: required ones wait for staff.
    values = custom_fields_clean(entity="ticket", values=custom_fields or {}, partial=actor is None)
    ticket = Ticket.objects.create(
        custom_fields=values,
        customer=customer,
        subject=subject,
        kind=kind,
        channel=channel,
        priority=priority,
        category=category,
        product=product,
        queue=queue,
        opened_at=opened_at,
        first_response_due=first_due,
        resolution_due=resolution_due,
        thread_token=secrets.token_hex(8),
    )
    TicketMessage.objects.create(
        ticket=ticket,
        kind=MessageKind.INBOUND,
        author=actor,
        from_address=from_address,
        body=body,
        message_id=message_id or None,
        occurred_at=opened_at,
    )
    _change(ticket, field="status", old="", new=ticket.status, actor=actor, when=opened_at)
    audit_record(instance=ticket, actor=actor, action="create", before=None)
    webhook_record_emit(event_type="ticket.created", record=ticket)
    automation_event_on_commit(entity="ticket", record_id=ticket.pk, event="created")
    _timeline(
        actor=actor,
        ticket=ticket,
        direction="inbound",
        subject=f"#{ticket.pk} {subject}",
        body=body,
        when=opened_at,
    )
    return ticket


@transaction.atomic
def ticket_from_web_form(*, name: str, email: str, subject: str, body: str) -> Ticket:
    """Open a web-form ticket from someone who wrote to us; a new address becomes a prospect."""
    from dangol.customers.services import customer_contact_get_or_create

    customer, _ = customer_contact_get_or_create(
        email=email, name=name, acquisition_channel="online"
    )
    return ticket_open(
        actor=None,
        customer=customer,
        subject=subject,
        body=body,
        channel=TicketChannel.WEB,
        from_address=customer.email,
    )


def ticket_subject_tag(ticket: Ticket) -> str:
    """Return the tag that threads email replies back to ``ticket``: ``[#12:ab12cd34]``."""
    return f"[#{ticket.pk}:{ticket.thread_token[:8]}]"


def ticket_reply_email_send(*, ticket: Ticket, message: TicketMessage) -> None:
    """Send reply ``message`` to the customer, threaded on the conversation."""
    references = list(
        ticket.messages.exclude(message_id=None)
        .exclude(pk=message.pk)
        .order_by("occurred_at", "id")
        .values_list("message_id", flat=True)
    )
    headers = {"Message-ID": message.message_id}
    if references:
        headers["In-Reply-To"] = references[-1]
        headers["References"] = " ".join(references)
    email = EmailMessage(
        subject=f"{ticket_subject_tag(ticket)} {ticket.subject}",
        body=message.body,
        from_email=settings.DANGOL_SERVICE_FROM_EMAIL,
        to=[ticket.customer.email],
        reply_to=[settings.DANGOL_SERVICE_FROM_EMAIL],
        headers=headers,
    )
    email.send()


@transaction.atomic
def ticket_reply(
    *, actor, ticket: Ticket, body: str, expected_version: int | None = None
) -> TicketMessage:
    """Answer the customer on ``ticket``; email them when they have an address.

    The first reply stops the first-response clock. Replying to a new or open ticket
    sets it to waiting for the customer. The email goes out after commit, threaded with
    In-Reply-To/References on the customer's last message.
    """
    _require(permissions.can_work_ticket(actor, ticket), "You may not work on this ticket")
    _check_version(ticket, expected_version)
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationError(
            "The ticket is closed", code=ServiceErrorCode.TICKET_CLOSED, field="status"
        )
    body = _text(body, field="body", max_length=BODY_MAX)
    now = timezone.now()
    domain = settings.DANGOL_SERVICE_FROM_EMAIL.rpartition("@")[2] or "dangol.local"
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=MessageKind.REPLY,
        author=actor,
        from_address=settings.DANGOL_SERVICE_FROM_EMAIL,
        body=body,
        message_id=make_msgid(domain=domain),
        occurred_at=now,
    )
    fields = []
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
        fields.append("first_responded_at")
    if ticket.status in (TicketStatus.NEW, TicketStatus.OPEN):
        _change(ticket, field="status", old=ticket.status, new=TicketStatus.PENDING, actor=actor)
        ticket.status = TicketStatus.PENDING
        fields.append("status")
    if ticket.assignee_id is None and permissions.can_be_assigned(actor):
        _change(ticket, field="assignee", old="", new=actor.get_username(), actor=actor)
        ticket.assignee = actor
        fields.append("assignee")
    _bump(ticket, fields, actor)
    if ticket.customer.email:
        task_enqueue_on_commit(ticket_reply_email_task, message_id=message.pk)
    _timeline(
        actor=actor,
        ticket=ticket,
        direction="outbound",
        subject=f"Re: #{ticket.pk} {ticket.subject}",
        body=body,
        when=now,
    )
    return message


@transaction.atomic
def ticket_note_add(*, actor, ticket: Ticket, body: str) -> TicketMessage:
    """Add an internal note (never sent to the customer) to ``ticket``."""
    _require(permissions.can_work_ticket(actor, ticket), "You may not work on this ticket")
    body = _text(body, field="body", max_length=BODY_MAX)
    note = TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.NOTE, author=actor, body=body, occurred_at=timezone.now()
    )
    # @mentions reach colleagues who may see the ticket (and nobody else).
    for user in mentioned_users(body):
        if user.pk != actor.pk and permissions.can_see_ticket(user, ticket):
            notification_send(
                user=user,
                kind="mention",
                text=f"{actor.get_username()} mentioned you on #{ticket.pk} {ticket.subject}",
                url=f"/service/tickets/{ticket.pk}/",
            )
    return note


@transaction.atomic
def ticket_assign(
    *,
    actor,
    ticket: Ticket,
    assignee=None,
    queue: Queue | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Give ``ticket`` to ``assignee`` and/or move it to ``queue``; record the history."""
    _require(permissions.can_work_ticket(actor, ticket), "You may not work on this ticket")
    _check_version(ticket, expected_version)
    if assignee is not None and not permissions.can_be_assigned(assignee):
        raise ValidationError(
            "Tickets can only be assigned to active service, sales or manager staff",
            code=ServiceErrorCode.NOT_AN_AGENT,
            field="assignee",
        )
    fields = []
    if assignee is not None and assignee.pk != ticket.assignee_id:
        old = ticket.assignee.get_username() if ticket.assignee else ""
        _change(ticket, field="assignee", old=old, new=assignee.get_username(), actor=actor)
        ticket.assignee = assignee
        fields.append("assignee")
    if queue is not None and queue.pk != ticket.queue_id:
        old = ticket.queue.code if ticket.queue else ""
        _change(ticket, field="queue", old=old, new=queue.code, actor=actor)
        ticket.queue = queue
        fields.append("queue")
    if fields:
        _bump(ticket, fields, actor)
    return ticket


@transaction.atomic
def ticket_priority_set(
    *, actor, ticket: Ticket, priority: str, expected_version: int | None = None
) -> Ticket:
    """Change the priority; the SLA dues are recomputed from when the ticket opened."""
    _require(permissions.can_work_ticket(actor, ticket), "You may not work on this ticket")
    _check_version(ticket, expected_version)
    priority = _choice(priority, TicketPriority, field="priority")
    if priority == ticket.priority:
        return ticket
    _change(ticket, field="priority", old=ticket.priority, new=priority, actor=actor)
    ticket.priority = priority
    ticket.first_response_due, ticket.resolution_due = _sla_dues(priority, ticket.opened_at)
    _bump(ticket, ["priority", "first_response_due", "resolution_due"], actor)
    return ticket


@transaction.atomic
def ticket_status_set(
    *, actor, ticket: Ticket, status: str, expected_version: int | None = None
) -> Ticket:
    """Move ``ticket`` to ``status`` along ``STATUS_NEXT``; closing sends the survey.

    :raises ValidationError: unknown status, or a move ``STATUS_NEXT`` does not allow.
    :raises ConflictError: the ticket changed since ``expected_version``.
    """
    _require(permissions.can_work_ticket(actor, ticket), "You may not work on this ticket")
    _check_version(ticket, expected_version)
    status = _choice(status, TicketStatus, field="status")
    if status == ticket.status:
        return ticket
    if status not in STATUS_NEXT[ticket.status]:
        raise ValidationError(
            f"A {ticket.status} ticket cannot become {status}",
            code=ServiceErrorCode.INVALID_TRANSITION,
            field="status",
        )
    now = timezone.now()
    _change(ticket, field="status", old=ticket.status, new=status, actor=actor, when=now)
    ticket.status = status
    fields = ["status"]
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    elif status == TicketStatus.OPEN and ticket.resolved_at is not None:
        ticket.resolved_at = None  # reopened: the resolution clock runs again
        fields.append("resolved_at")
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    _bump(ticket, fields, actor)
    if status == TicketStatus.CLOSED:
        survey = SatisfactionSurvey.objects.create(ticket=ticket, token=secrets.token_urlsafe(32))
        if ticket.customer.email:
            task_enqueue_on_commit(survey_email_task, survey_id=survey.pk)
    return ticket


def ticket_update_authorize(*, actor, ticket: Ticket) -> None:
    """Raise unless ``actor`` may work on ``ticket`` (the check ``ticket_update`` makes first).

    :raises PermissionDeniedError: the actor may not work on this ticket.
    """
    _require(permissions.can_work_ticket(actor, ticket), "You may not work on this ticket")


@transaction.atomic
def ticket_update(
    *,
    actor,
    ticket: Ticket,
    version: int,
    status: str | None = None,
    priority: str | None = None,
    assignee=None,
    queue: Queue | None = None,
    custom_fields: dict[str, Any] | None = None,
) -> Ticket:
    """Apply several changes at once (the API's PATCH), all or none, checked against ``version``."""
    ticket_update_authorize(actor=actor, ticket=ticket)
    _check_version(ticket, version)
    if custom_fields is not None:
        ticket.custom_fields = custom_fields_clean(
            entity="ticket", values=custom_fields, partial=True, existing=ticket.custom_fields
        )
        _bump(ticket, ["custom_fields"], actor)
    if assignee is not None or queue is not None:
        ticket_assign(actor=actor, ticket=ticket, assignee=assignee, queue=queue)
    if priority is not None:
        ticket_priority_set(actor=actor, ticket=ticket, priority=priority)
    if status is not None:
        ticket_status_set(actor=actor, ticket=ticket, status=status)
    return ticket


def survey_email_send(*, ticket: Ticket, survey: SatisfactionSurvey) -> None:
    """Send the satisfaction survey of a closed ticket."""
    link = f"{settings.DANGOL_SITE_URL.rstrip('/')}/service/survey/{survey.token}/"
    EmailMessage(
        subject=f"{ticket_subject_tag(ticket)} How did we do? / 서비스는 만족스러우셨나요?",
        body=(
            f"Please rate how we handled your request: {link}\n"
            f"문의 처리에 대한 만족도를 알려 주세요: {link}\n"
        ),
        from_email=settings.DANGOL_SERVICE_FROM_EMAIL,
        to=[ticket.customer.email],
    ).send()


@transaction.atomic
def survey_answer(*, token: str, score: Any, comment: str = "") -> SatisfactionSurvey:
    """Record the customer's satisfaction score (1-5) for a closed ticket, once."""
    survey = SatisfactionSurvey.objects.select_for_update().filter(token=str(token)).first()
    if survey is None:
        raise NotFoundError("No such survey", field="token")
    if survey.answered_at is not None:
        raise ValidationError(
            "This survey was already answered", code=ServiceErrorCode.SURVEY_ANSWERED
        )
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationError(
            "The score must be a whole number from 1 to 5",
            code=ServiceErrorCode.INVALID,
            field="score",
        )
    survey.score = score
    survey.comment = _text(comment, field="comment", max_length=5000, required=False)
    survey.answered_at = timezone.now()
    survey.save(update_fields=["score", "comment", "answered_at", "updated_at"])
    return survey


def ticket_escalate_due(*, now: dt.datetime | None = None) -> int:
    """Mark unresolved tickets past their resolution due time as escalated; return how many.

    Run by the worker's sweep; an escalated ticket is not escalated again.
    """
    now = now or timezone.now()
    due = Ticket.objects.select_related("assignee").filter(
        status__in=[TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING],
        resolution_due__lt=now,
        escalated_at__isnull=True,
    )
    count = 0
    for ticket in due.iterator(chunk_size=500):
        with transaction.atomic():
            if Ticket.objects.filter(pk=ticket.pk, escalated_at__isnull=True).update(
                escalated_at=now, updated_at=now
            ):
                _change(ticket, field="escalated", old="", new=now.isoformat(), actor=None)
                if ticket.assignee_id:
                    notification_send(
                        user=ticket.assignee,
                        kind="sla_breach",
                        text=f"SLA breached: #{ticket.pk} {ticket.subject}",
                        url=f"/service/tickets/{ticket.pk}/",
                        # The reminder sweep's key for the same breach: notified once.
                        dedupe_key=f"sla_breach:ticket:{ticket.pk}:resolution:"
                        f"{timezone.localtime(ticket.resolution_due).date().isoformat()}",
                    )
                count += 1
    return count


@transaction.atomic
def ticket_customer_reply(*, ticket: Ticket, body: str) -> TicketMessage:
    """Add the customer's own answer (from the portal); a waiting ticket goes back to the desk."""
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationError(
            "The ticket is closed", code=ServiceErrorCode.TICKET_CLOSED, field="status"
        )
    body = _text(body, field="body", max_length=BODY_MAX)
    now = timezone.now()
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=MessageKind.INBOUND,
        from_address=ticket.customer.email,
        body=body,
        occurred_at=now,
    )
    automation_event_on_commit(
        entity="ticket", record_id=ticket.pk, event="inbound_message", key=str(message.pk)
    )
    if ticket.status in (TicketStatus.PENDING, TicketStatus.RESOLVED):
        _change(ticket, field="status", old=ticket.status, new=TicketStatus.OPEN, actor=None)
        ticket.status = TicketStatus.OPEN
        ticket.resolved_at = None
        _bump(ticket, ["status", "resolved_at"], "customer")
    _timeline(
        actor=None,
        ticket=ticket,
        direction="inbound",
        subject=f"Re: #{ticket.pk} {ticket.subject}",
        body=body,
        when=now,
    )
    return message


@transaction.atomic
def ticket_customer_close(*, ticket: Ticket) -> Ticket:
    """Close a ticket at the customer's request (their problem is solved)."""
    if ticket.status == TicketStatus.CLOSED:
        return ticket
    now = timezone.now()
    _change(ticket, field="status", old=ticket.status, new=TicketStatus.CLOSED, actor=None)
    ticket.status = TicketStatus.CLOSED
    ticket.closed_at = now
    ticket.resolved_at = ticket.resolved_at or now
    _bump(ticket, ["status", "closed_at", "resolved_at"], "customer")
    return ticket
