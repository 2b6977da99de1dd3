"""The ticket import service: creates and updates from a validated table, with history."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone

from dangol.core.audit.models import AuditEntry
from dangol.customers.tests.factories import CustomerFactory
from dangol.service.imports import ticket_import
from dangol.service.models import Ticket, TicketChange
from dangol.service.services import _sla_dues, ticket_open
from dangol.service.tests.factories import QueueFactory

pytestmark = pytest.mark.django_db

OPENED = pd.Timestamp("2026-03-02 01:00:00", tz="UTC")


def _table(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame.index = pd.RangeIndex(2, 2 + len(rows))
    return frame


def test_a_new_ticket_gets_defaults_sla_dues_and_a_create_entry(admin_user):
    customer = CustomerFactory()
    table = _table(
        [
            {
                "id": np.nan,
                "customer_id": customer.pk,
                "subject": "Broken",
                "channel": "phone",
                "priority": "high",
                "opened_at": OPENED,
                "custom_fields": '{"a": 1}',
            }
        ]
    )

    result = ticket_import(
        table=table,
        present={
            "customer_external_id",
            "subject",
            "channel",
            "priority",
            "opened_at",
            "custom_fields",
        },
        actor=admin_user,
        source="import t.csv",
    )

    assert (result.inserted, result.updated, result.unchanged) == (1, 0, 0)
    ticket = Ticket.objects.get()
    first_due, resolution_due = _sla_dues("high", OPENED.to_pydatetime())
    assert (ticket.kind, ticket.status, ticket.priority, ticket.custom_fields) == (
        "request",
        "new",
        "high",
        {"a": 1},
    )
    assert (ticket.first_response_due, ticket.resolution_due) == (first_due, resolution_due)
    assert first_due is not None
    entry = AuditEntry.objects.get(object_id=ticket.pk)
    assert (entry.action, entry.seq, entry.actor, entry.note) == (
        "create",
        1,
        admin_user,
        "import t.csv",
    )
    assert list(ticket.changes.values_list("field", "old", "new", "actor")) == [
        ("status", "", "new", admin_user.pk)
    ]


def test_an_update_bumps_the_version_and_continues_the_history(admin_user, service):
    ticket = ticket_open(
        actor=admin_user,
        customer=CustomerFactory(),
        subject="Late parcel",
        body="Where is it?",
        channel="phone",
    )
    queue = QueueFactory(code="returns")
    table = _table(
        [
            {
                "id": float(ticket.pk),
                "priority": "urgent",
                "queue_id": queue.pk,
                "status": "closed",
                "closed_at": pd.NaT,
            }
        ]
    )

    result = ticket_import(
        table=table, present={"id", "priority", "queue", "status", "closed_at"}, actor=None
    )

    assert (result.inserted, result.updated) == (0, 1)
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.queue_id, ticket.status, ticket.version) == (
        "urgent",
        queue.pk,
        "closed",
        2,
    )
    assert ticket.closed_at is not None  # a closed ticket has its closing time
    assert ticket.resolution_due == _sla_dues("urgent", ticket.opened_at)[1]
    entries = AuditEntry.objects.filter(object_id=ticket.pk).order_by("seq")
    assert list(entries.values_list("seq", "action", "actor_label")) == [
        (1, "create", ""),
        (2, "update", "import"),
    ]
    assert sorted(
        TicketChange.objects.filter(ticket=ticket).values_list("field", "old", "new")
    ) == [
        ("priority", "normal", "urgent"),
        ("queue", "", "returns"),
        ("status", "", "new"),
        ("status", "new", "closed"),
    ]


def test_an_unchanged_row_writes_nothing(admin_user):
    opened = timezone.now() - dt.timedelta(days=1)
    ticket = ticket_open(
        actor=admin_user,
        customer=CustomerFactory(),
        subject="Same",
        body="b",
        channel="email",
        opened_at=opened,
    )
    updated_at = ticket.updated_at
    table = _table([{"id": float(ticket.pk), "subject": "Same", "opened_at": pd.Timestamp(opened)}])

    result = ticket_import(table=table, present={"id", "subject", "opened_at"})

    assert (result.updated, result.unchanged) == (0, 1)
    ticket.refresh_from_db()
    assert (ticket.version, ticket.updated_at) == (1, updated_at)
    assert AuditEntry.objects.filter(object_id=ticket.pk).count() == 1


def test_a_ticket_gone_since_the_check_stops_the_import(admin_user):
    from dangol.service.errors import NotFoundError

    ticket = ticket_open(
        actor=admin_user, customer=CustomerFactory(), subject="S", body="b", channel="email"
    )
    Ticket.objects.filter(pk=ticket.pk).update(deleted_at=timezone.now())
    table = _table([{"id": float(ticket.pk), "subject": "New"}])

    with pytest.raises(NotFoundError, match=f"Ticket {ticket.pk} no longer exists"):
        ticket_import(table=table, present={"id", "subject"})
