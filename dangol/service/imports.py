"""The write behind ticket imports: create and update tickets from a validated table.

A row with an ``id`` updates that ticket (only the columns the file has; an empty cell
of a required or choice column keeps the stored value); a row without one opens a new
ticket. All rows are written with one INSERT and one UPDATE per batch, each changed or
new ticket gets its own history entry (``core.audit``) and status/assignee/queue/priority
lines (``TicketChange``), and ``version`` is bumped on every ticket that changed.

An import is a data load, not agents working tickets: it fires no automation rules, no
webhooks, no emails and no surveys, and does not check ``STATUS_NEXT`` (a closed ticket
may be loaded as closed). Imported tickets have no messages.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterable
from typing import Any

import pandas as pd
from django.db import transaction
from django.utils import timezone

from dangol.core.audit.recording import audit_records_bulk, audit_snapshot
from dangol.core.bulk import UpsertResult
from dangol.core.customfields.imports import table_cell
from dangol.service.choices import TicketKind, TicketPriority, TicketStatus
from dangol.service.errors import NotFoundError
from dangol.service.models import Queue, Ticket, TicketChange
from dangol.service.services import _sla_dues

# File column -> model field, for the columns an import may write.
FIELDS = {
    "customer_external_id": "customer_id",
    "subject": "subject",
    "kind": "kind",
    "channel": "channel",
    "status": "status",
    "priority": "priority",
    "category": "category_id",
    "queue": "queue_id",
    "assignee": "assignee_id",
    "product_sku": "product_id",
    "opened_at": "opened_at",
    "first_responded_at": "first_responded_at",
    "resolved_at": "resolved_at",
    "closed_at": "closed_at",
}
# Fields a ticket cannot be without: an empty cell leaves the stored value.
KEEP_WHEN_EMPTY = frozenset(
    {"customer_id", "subject", "kind", "channel", "status", "priority", "opened_at"}
)
DEFAULTS = {
    "kind": TicketKind.REQUEST,
    "status": TicketStatus.NEW,
    "priority": TicketPriority.NORMAL,
}
# Changes the ticket's own history (``TicketChange``) lists, as the desk's services do.
TRACKED = ("status", "priority", "assignee_id", "queue_id")
BATCH = 1000


def _row_values(row: dict, present: Iterable[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in present:
        field = FIELDS.get(column)
        if field is None:
            continue
        value = table_cell(row.get(field if field.endswith("_id") else column))
        if field.endswith("_id") and value is not None:
            value = int(value)
        if value in (None, "") and field in KEEP_WHEN_EMPTY:
            continue
        values[field] = value
    return values


def _history_value(field: str, value: Any, names: dict) -> str:
    if value is None:
        return ""
    if field in names:
        return names[field].get(value, str(value))
    return str(value)


@transaction.atomic
def ticket_import(
    *, table: pd.DataFrame, present: Iterable[str], actor=None, source: str = "import"
) -> UpsertResult:
    """Create and update tickets from the validated rows of an import.

    :param table: one row per ticket: ``id`` (float, NaN for a new ticket), the
        references resolved (``customer_id``, ``category_id``, ``queue_id``,
        ``assignee_id``, ``product_id``), choices as codes, times as UTC timestamps, and
        ``custom_fields`` as a JSON object of the non-empty ``cf_`` cells (merged into
        the stored values: an empty cell leaves a value alone).
    :param present: the columns the file had; only these change on an existing ticket.
    :param actor: who imports (a user, or ``None``: recorded as "import").
    :returns: tickets created, updated (something differed) and unchanged.
    """
    present = set(present)
    rows = table.to_dict("records") if len(table) else []
    if not rows:
        return UpsertResult()
    now = timezone.now()
    ids = [int(r["id"]) for r in rows if "id" in r and table_cell(r["id"]) is not None]
    existing: dict[int, Ticket] = {}
    for start in range(0, len(ids), 5000):
        existing.update(
            Ticket.objects.select_for_update()
            .filter(pk__in=ids[start : start + 5000], deleted_at__isnull=True)
            .in_bulk()
        )
    created: list[Ticket] = []
    updated: list[tuple[Ticket, dict]] = []
    changed_fields: set[str] = set()
    unchanged = 0
    history: list[tuple[Ticket, str, Any, Any]] = []
    dues: dict[tuple, tuple] = {}

    def sla(priority: str, opened_at) -> tuple:
        key = (priority, opened_at)
        if key not in dues:  # in UTC, as read back: an unchanged due compares equal
            dues[key] = tuple(d and d.astimezone(dt.UTC) for d in _sla_dues(priority, opened_at))
        return dues[key]

    for row in rows:
        values = _row_values(row, present)
        custom = table_cell(row.get("custom_fields")) if "custom_fields" in present else None
        custom = json.loads(custom) if custom else {}
        pk = table_cell(row.get("id"))
        if pk is None:
            ticket = Ticket(
                **{**DEFAULTS, **values},
                custom_fields=custom,
                thread_token=secrets.token_hex(8),
            )
            ticket.opened_at = ticket.opened_at or now
            if ticket.status == TicketStatus.CLOSED and ticket.closed_at is None:
                ticket.closed_at = now  # a closed ticket has its closing time
            ticket.first_response_due, ticket.resolution_due = sla(
                ticket.priority, ticket.opened_at
            )
            created.append(ticket)
            continue
        ticket = existing.get(int(pk))
        if ticket is None:  # trashed or deleted since the file was checked
            raise NotFoundError(
                f"Ticket {int(pk)} no longer exists; nothing was imported", field="id"
            )
        before = audit_snapshot(ticket)
        old = {field: getattr(ticket, field) for field in TRACKED}
        opened_at = ticket.opened_at
        for field, value in values.items():
            setattr(ticket, field, value)
        if custom:
            ticket.custom_fields = {**(ticket.custom_fields or {}), **custom}
        if ticket.status == TicketStatus.CLOSED and ticket.closed_at is None:
            ticket.closed_at = now
        if ticket.priority != old["priority"] or ticket.opened_at != opened_at:
            ticket.first_response_due, ticket.resolution_due = sla(
                ticket.priority, ticket.opened_at
            )
        after = audit_snapshot(ticket)
        diff = [name for name, value in after.items() if before.get(name) != value]
        if not diff:
            unchanged += 1
            continue
        ticket.version += 1
        ticket.updated_at = now
        updated.append((ticket, before))
        changed_fields.update(Ticket._meta.get_field(name).attname for name in diff)
        for field in TRACKED:
            if getattr(ticket, field) != old[field]:
                history.append((ticket, field, old[field], getattr(ticket, field)))

    Ticket.objects.bulk_create(created, batch_size=BATCH)
    if updated:
        fields = sorted(changed_fields | {"version", "updated_at"})
        Ticket.objects.bulk_update([t for t, _ in updated], fields, batch_size=BATCH)
    history.extend((t, "status", None, t.status) for t in created)
    _history_write(history, actor=actor, when=now)
    audit_records_bulk(
        model=Ticket,
        actor=actor if actor is not None else "import",
        changes=[(t, None) for t in created] + updated,
        note=source,
    )
    return UpsertResult(inserted=len(created), updated=len(updated), unchanged=unchanged)


def _history_write(history: list, *, actor, when) -> None:
    """Write the status, priority, assignee and queue lines of the tickets' history."""
    if not history:
        return
    from django.contrib.auth import get_user_model

    user_ids = {v for _t, f, *vals in history if f == "assignee_id" for v in vals if v}
    queue_ids = {v for _t, f, *vals in history if f == "queue_id" for v in vals if v}
    names = {
        "assignee_id": dict(
            get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username")
        ),
        "queue_id": dict(Queue.objects.filter(pk__in=queue_ids).values_list("pk", "code")),
    }
    user = actor if getattr(actor, "pk", None) else None
    TicketChange.objects.bulk_create(
        [
            TicketChange(
                ticket=ticket,
                field=field.removesuffix("_id"),
                old=_history_value(field, old, names),
                new=_history_value(field, new, names),
                actor=user,
                occurred_at=when,
            )
            for ticket, field, old, new in history
        ],
        batch_size=BATCH,
    )
