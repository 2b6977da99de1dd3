"""The opportunity import service: creates and updates from a validated table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from dangol.core.audit.models import AuditEntry
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.models import Opportunity, OpportunityStageChange, PipelineStage
from dangol.sales.pipeline_imports import opportunity_import
from dangol.sales.pipeline_services import opportunity_create

pytestmark = pytest.mark.django_db


def _table(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame.index = pd.RangeIndex(2, 2 + len(rows))
    return frame


def test_a_new_opportunity_starts_in_the_first_open_stage(sales):
    customer = CustomerFactory(owner=sales)
    table = _table(
        [
            {
                "id": np.nan,
                "customer_id": customer.pk,
                "name": "Fleet",
                "amount": "1500.00",
                "expected_close": "2031-01-31",
                "owner_id": sales.pk,
                "channel": "field",
                "custom_fields": "{}",
            }
        ]
    )
    present = {"customer_external_id", "name", "amount", "expected_close", "owner", "channel"}

    result = opportunity_import(table=table, present=present | {"custom_fields"})

    assert (result.inserted, result.updated) == (1, 0)
    opportunity = Opportunity.objects.get()
    assert (
        opportunity.stage.code,
        opportunity.amount,
        opportunity.expected_close,
        opportunity.closed_at,
        opportunity.version,
    ) == ("qualification", Decimal("1500.00"), dt.date(2031, 1, 31), None, 1)
    assert list(
        OpportunityStageChange.objects.values_list("from_stage", "to_stage__code", "actor")
    ) == [(None, "qualification", None)]
    entry = AuditEntry.objects.get(object_id=opportunity.pk)
    assert (entry.action, entry.actor_label, entry.changes["amount"]) == (
        "create",
        "import",
        [None, "1500.00"],
    )


def test_moving_to_a_won_stage_closes_and_records_the_move(sales, admin_user):
    opportunity = opportunity_create(
        actor=sales,
        customer=CustomerFactory(owner=sales),
        name="Renewal",
        amount="100",
        expected_close=dt.date(2031, 1, 1),
        channel="telesales",
    )
    won = PipelineStage.objects.get(code="won")
    table = _table([{"id": float(opportunity.pk), "stage_id": won.pk, "outcome_note": None}])

    result = opportunity_import(
        table=table, present={"id", "stage", "outcome_note"}, actor=admin_user
    )

    assert (result.inserted, result.updated) == (0, 1)
    opportunity.refresh_from_db()
    assert (opportunity.stage_id, opportunity.version, opportunity.outcome_note) == (
        won.pk,
        2,
        "",
    )
    assert opportunity.closed_at is not None
    moves = OpportunityStageChange.objects.order_by("id")
    assert list(moves.values_list("from_stage__code", "to_stage__code", "actor")) == [
        (None, "qualification", sales.pk),
        ("qualification", "won", admin_user.pk),
    ]
    entries = AuditEntry.objects.filter(object_id=opportunity.pk).order_by("seq")
    assert list(entries.values_list("seq", "action", "actor")) == [
        (1, "create", sales.pk),
        (2, "update", admin_user.pk),
    ]

    again = opportunity_import(table=table, present={"id", "stage", "outcome_note"})
    assert (again.updated, again.unchanged) == (0, 1)
