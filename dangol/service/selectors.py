"""Reads of customer service: tickets an agent may see, their SLA clocks, the calendars."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from dangol.core.customfields.filters import custom_filter_q
from dangol.core.pagination import Page, keyset_page_by_id
from dangol.customers import permissions as customer_permissions
from dangol.service.choices import TicketStatus
from dangol.service.errors import NotFoundError
from dangol.service.models import BusinessCalendar, SlaPolicy, Ticket, TicketChange, TicketMessage
from dangol.service.permissions import can_see_ticket
from dangol.service.sla import WorkCalendar, business_minutes_between

OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)
# A clock turns amber when less than this share of its target is left.
WARNING_SHARE = 0.2
# "About to breach" on the home page and the ticket list's filter: due within the hour.
SLA_DUE_SOON = dt.timedelta(hours=1)


def sla_calendar(*, calendar_id: int) -> WorkCalendar:
    """Return the business calendar ``calendar_id`` with its holidays as a ``WorkCalendar``."""
    calendar = BusinessCalendar.objects.get(pk=calendar_id)
    holidays = frozenset(calendar.holidays.values_list("date", flat=True))
    return WorkCalendar(timezone=calendar.timezone, hours=calendar.hours, holidays=holidays)


def _visible(user) -> QuerySet:
    from dangol.customers.models import Customer

    tickets = Ticket.objects.filter(deleted_at__isnull=True)  # the trash is not listed
    if customer_permissions.visibility_filter(user) is None:
        return tickets
    visible = customer_permissions.restrict_visible(Customer.objects.all(), user)
    return tickets.filter(customer__in=visible.values("pk"))


def _filtered(
    *,
    user,
    status: str = "",
    queue_id: int | None = None,
    assignee_id: int | None = None,
    mine: bool = False,
    breached: bool = False,
    due_within: dt.timedelta | None = None,
    customer_id: int | None = None,
) -> QuerySet:
    tickets = _visible(user)
    if status == "active":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif status:
        tickets = tickets.filter(status=status)
    if queue_id:
        tickets = tickets.filter(queue_id=queue_id)
    if assignee_id:
        tickets = tickets.filter(assignee_id=assignee_id)
    if mine:
        tickets = tickets.filter(assignee=user)
    if customer_id:
        tickets = tickets.filter(customer_id=customer_id)
    if breached or due_within is not None:
        now = timezone.now()
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    if breached:
        tickets = tickets.filter(
            Q(resolution_due__lt=now)
            | Q(first_responded_at__isnull=True, first_response_due__lt=now)
        )
    if due_within is not None:
        # About to breach: an unmet target falls due from now to now + due_within.
        until = now + due_within
        tickets = tickets.filter(
            Q(resolution_due__gte=now, resolution_due__lt=until)
            | Q(
                first_responded_at__isnull=True,
                first_response_due__gte=now,
                first_response_due__lt=until,
            )
        )
    return tickets


def ticket_list(
    *,
    user,
    status: str = "",
    queue_id: int | None = None,
    assignee_id: int | None = None,
    mine: bool = False,
    breached: bool = False,
    due_within: dt.timedelta | None = None,
    customer_id: int | None = None,
    custom: dict | None = None,
    definitions: list | None = None,
    after: int | None = None,
    before: int | None = None,
    size: int = 50,
) -> Page:
    """Return a keyset page of the tickets ``user`` may see, newest first, filtered.

    :param due_within: only open tickets with an unmet SLA target due within this time.
    :param custom: custom-field filters (``{"cf_<key>[_min|_max]": value}``, see
        ``core.customfields.filters``); ``definitions`` the ticket fields' definitions
        when the caller has read them.
    """
    tickets = _filtered(
        user=user,
        status=status,
        queue_id=queue_id,
        assignee_id=assignee_id,
        mine=mine,
        breached=breached,
        due_within=due_within,
        customer_id=customer_id,
    ).select_related("customer", "queue", "assignee", "category")
    if custom:
        condition = custom_filter_q(entity="ticket", values=custom, definitions=definitions)
        if condition is not None:
            tickets = tickets.filter(condition)
    return keyset_page_by_id(tickets, size=size, after=after, before=before)


def ticket_count(
    *,
    user,
    status: str = "",
    mine: bool = False,
    breached: bool = False,
    due_within: dt.timedelta | None = None,
) -> int:
    """Return how many tickets ``ticket_list`` shows for the same filters (one COUNT)."""
    return _filtered(
        user=user, status=status, mine=mine, breached=breached, due_within=due_within
    ).count()


def ticket_count_by_status(*, user, mine: bool = False) -> dict[str, int]:
    """Return the visible open tickets per status (assigned to ``user`` with ``mine``)."""
    rows = (
        _filtered(user=user, status="active", mine=mine)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}


def survey_satisfaction(*, since: dt.datetime) -> dict:
    """Return the answered surveys since ``since``: how many and the average score (1-5)."""
    from dangol.service.models import SatisfactionSurvey

    row = SatisfactionSurvey.objects.filter(answered_at__gte=since, score__isnull=False).aggregate(
        answered=Count("pk"), average=Avg("score")
    )
    return {"answered": row["answered"], "average": row["average"]}


def ticket_get(*, user, pk: int) -> Ticket:
    """Return ticket ``pk`` if ``user`` may see it; one that is hidden looks missing."""
    ticket = Ticket.objects.select_related("customer", "queue", "assignee", "category").filter(
        pk=pk
    )
    ticket = ticket.first()
    if ticket is None or not can_see_ticket(user, ticket):
        raise NotFoundError("No such ticket", field="ticket")
    return ticket


@dataclass(frozen=True)
class SlaClock:
    """One SLA target of a ticket as an agent sees it."""

    target: str  # "first_response" or "resolution"
    due: dt.datetime | None
    met_at: dt.datetime | None
    minutes_left: float | None  # business minutes; negative once breached
    state: str  # "none", "ok", "warning", "breached", "met", "met_late"


def _clock(
    *, target: str, due, met_at, opened_at, now, calendar: WorkCalendar | None, total: int
) -> SlaClock:
    if due is None or calendar is None:
        return SlaClock(target, due, met_at, None, "none")
    if met_at is not None:
        return SlaClock(target, due, met_at, None, "met" if met_at <= due else "met_late")
    left = business_minutes_between(start=now, end=due, calendar=calendar)
    if now > due:
        state = "breached"
    elif left < WARNING_SHARE * total:
        state = "warning"
    else:
        state = "ok"
    return SlaClock(target, due, None, left, state)


def ticket_sla_clocks(*, ticket: Ticket, now: dt.datetime | None = None) -> list[SlaClock]:
    """Return the first-response and resolution clocks of ``ticket`` at ``now``."""
    now = now or timezone.now()
    policy = SlaPolicy.objects.filter(priority=ticket.priority).first()
    calendar = sla_calendar(calendar_id=policy.calendar_id) if policy else None
    first_total = policy.first_response_minutes if policy else 0
    resolution_total = policy.resolution_minutes if policy else 0
    return [
        _clock(
            target="first_response",
            due=ticket.first_response_due,
            met_at=ticket.first_responded_at,
            opened_at=ticket.opened_at,
            now=now,
            calendar=calendar,
            total=first_total,
        ),
        _clock(
            target="resolution",
            due=ticket.resolution_due,
            met_at=ticket.resolved_at,
            opened_at=ticket.opened_at,
            now=now,
            calendar=calendar,
            total=resolution_total,
        ),
    ]


def ticket_messages(*, ticket: Ticket, include_notes: bool = True) -> list[TicketMessage]:
    """Return the ticket's messages oldest first (notes only for staff views)."""
    messages = ticket.messages.select_related("author").order_by("occurred_at", "id")
    if not include_notes:
        messages = messages.exclude(kind="note")
    return list(messages)


def ticket_history(*, ticket: Ticket) -> list[TicketChange]:
    """Return the ticket's changes oldest first."""
    return list(ticket.changes.select_related("actor").order_by("occurred_at", "id"))


def ticket_list_for_customer(*, customer) -> list[Ticket]:
    """Return all of one customer's tickets, newest first (the customer portal's list)."""
    tickets = Ticket.objects.filter(customer=customer, deleted_at__isnull=True)
    return list(tickets.order_by("-id")[:200])


def ticket_get_for_customer(*, customer, pk: int) -> Ticket:
    """Return ticket ``pk`` only if it belongs to ``customer``; anyone else's does not exist."""
    ticket = Ticket.objects.filter(pk=pk, customer=customer, deleted_at__isnull=True).first()
    if ticket is None:
        raise NotFoundError("No such ticket", field="ticket")
    return ticket


@dataclass(frozen=True)
class SlaDue:
    """An SLA target of an open ticket that is not met yet, with when it falls due."""

    ticket: Ticket
    target: str  # "first_response" or "resolution"
    due: dt.datetime


def ticket_sla_due_between(*, start: dt.datetime, end: dt.datetime) -> list[SlaDue]:
    """Return the unmet SLA targets of open tickets falling due in [start, end), by due time.

    A first-response target counts only while nobody has answered; both are read from
    the indexed due columns in two queries.
    """
    tickets = Ticket.objects.filter(
        status__in=OPEN_STATUSES, deleted_at__isnull=True
    ).select_related("assignee", "queue")
    first = tickets.filter(
        first_responded_at__isnull=True, first_response_due__gte=start, first_response_due__lt=end
    )
    resolution = tickets.filter(resolution_due__gte=start, resolution_due__lt=end)
    dues = [SlaDue(t, "first_response", t.first_response_due) for t in first]
    dues += [SlaDue(t, "resolution", t.resolution_due) for t in resolution]
    return sorted(dues, key=lambda d: (d.due, d.ticket.pk, d.target))


# --- imports and exports ---------------------------------------------------------------


def ticket_export_queryset(
    *,
    user=None,
    status: str = "",
    queue_id: int | None = None,
    mine: bool = False,
    breached: bool = False,
    due_within: dt.timedelta | None = None,
    custom: dict | None = None,
    definitions: list | None = None,
) -> QuerySet:
    """Return every ticket ``ticket_list`` finds for the same filters (all pages), by id.

    :param user: whose visibility applies; ``None`` (the command line) exports them all.
    """
    if user is None:
        tickets = Ticket.objects.filter(deleted_at__isnull=True)
        if status == "active":
            tickets = tickets.filter(status__in=OPEN_STATUSES)
        elif status:
            tickets = tickets.filter(status=status)
    else:
        tickets = _filtered(
            user=user,
            status=status,
            queue_id=queue_id,
            mine=mine,
            breached=breached,
            due_within=due_within,
        )
    if custom:
        condition = custom_filter_q(entity="ticket", values=custom, definitions=definitions)
        if condition is not None:
            tickets = tickets.filter(condition)
    return tickets.order_by("id")


def ticket_ids_existing(*, ids: list[int]) -> set[int]:
    """Return which of ``ids`` are tickets (not in the trash)."""
    found: set[int] = set()
    for start in range(0, len(ids), 5000):
        found.update(
            Ticket.objects.filter(
                pk__in=ids[start : start + 5000], deleted_at__isnull=True
            ).values_list("pk", flat=True)
        )
    return found


def ticket_reference_ids(*, kind: str, keys: list[str]) -> dict[str, int]:
    """Return ``{key: id}`` of the queues or categories (by code) or agents (by username).

    :param kind: ``queue``, ``category`` or ``assignee`` (active users who may be
        assigned tickets: ``permissions.can_be_assigned``).
    """
    from django.contrib.auth import get_user_model

    from dangol.service.models import Queue, TicketCategory
    from dangol.service.permissions import ROLES_AGENTS

    if kind == "queue":
        return dict(Queue.objects.filter(code__in=keys).values_list("code", "id"))
    if kind == "category":
        return dict(TicketCategory.objects.filter(code__in=keys).values_list("code", "id"))
    from dangol.accounts.roles import user_role

    users = get_user_model().objects.filter(username__in=keys, is_active=True)
    # The role decides (the broadest group wins), as ``can_be_assigned`` reads it.
    return {u.username: u.pk for u in users if user_role(u) in ROLES_AGENTS}
