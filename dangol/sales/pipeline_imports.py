"""The write behind opportunity imports: create and update opportunities from a table.

A row with an ``id`` updates that opportunity (only the columns the file has; an empty
cell of a column the record cannot be without keeps the stored value); a row without one
opens a new opportunity. The rows are written with one INSERT and one UPDATE per batch;
each new or changed opportunity gets its own history entry (``core.audit``) and, when its
stage changed, an ``OpportunityStageChange``; ``version`` is bumped on each change.

An import is a data load: it fires no automation rules and no webhooks, and moves stages
without the board's rules (a lost opportunity may be loaded without a loss reason).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db import transaction
from django.utils import timezone

from dangol.core.audit.recording import audit_records_bulk, audit_snapshot
from dangol.core.bulk import UpsertResult
from dangol.core.customfields.imports import table_cell
from dangol.sales.errors import NotFoundError
from dangol.sales.models import Opportunity, OpportunityStageChange, PipelineStage
from dangol.sales.pipeline_services import _first_open_stage

FIELDS = {
    "customer_external_id": "customer_id",
    "name": "name",
    "stage": "stage_id",
    "amount": "amount",
    "expected_close": "expected_close",
    "owner": "owner_id",
    "channel": "channel",
    "loss_reason": "loss_reason",
    "outcome_note": "outcome_note",
    "closed_at": "closed_at",
}
KEEP_WHEN_EMPTY = frozenset(
    {"customer_id", "name", "stage_id", "amount", "expected_close", "owner_id", "channel"}
)
BATCH = 1000


def _row_values(row: dict, present: Iterable[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in present:
        field = FIELDS.get(column)
        if field is None:
            continue
        value = table_cell(row.get(field if field.endswith("_id") else column))
        if value is not None:
            if field.endswith("_id"):
                value = int(value)
            elif field == "amount":
                value = Decimal(value)
            elif field == "expected_close":
                value = pd.Timestamp(value).date()
        if value in (None, "") and field in KEEP_WHEN_EMPTY:
            continue
        if value is None and field in ("loss_reason", "outcome_note"):
            value = ""
        values[field] = value
    return values


@transaction.atomic
def opportunity_import(
    *, table: pd.DataFrame, present: Iterable[str], actor=None, source: str = "import"
) -> UpsertResult:
    """Create and update opportunities from the validated rows of an import.

    :param table: one row per opportunity: ``id`` (float, NaN for a new one), the
        references resolved (``customer_id``, ``stage_id``, ``owner_id``), ``amount`` as
        "1234.50", ``expected_close`` as "YYYY-MM-DD", ``closed_at`` as a UTC timestamp,
        and ``custom_fields`` as a JSON object of the non-empty ``cf_`` cells (merged
        into the stored values).
    :param present: the columns the file had; only these change on an existing record.
    :param actor: who imports (a user, or ``None``: recorded as "import").
    :returns: opportunities created, updated (something differed) and unchanged.
    """
    present = set(present)
    rows = table.to_dict("records") if len(table) else []
    if not rows:
        return UpsertResult()
    now = timezone.now()
    ids = [int(r["id"]) for r in rows if "id" in r and table_cell(r["id"]) is not None]
    existing: dict[int, Opportunity] = {}
    for start in range(0, len(ids), 5000):
        existing.update(
            Opportunity.objects.select_for_update()
            .filter(pk__in=ids[start : start + 5000], deleted_at__isnull=True)
            .in_bulk()
        )
    stages = {s.pk: s for s in PipelineStage.objects.all()}
    created: list[Opportunity] = []
    updated: list[tuple[Opportunity, dict]] = []
    moves: list[tuple[Opportunity, int | None]] = []
    changed_fields: set[str] = set()
    unchanged = 0
    first_stage_id = None
    for row in rows:
        values = _row_values(row, present)
        custom = table_cell(row.get("custom_fields")) if "custom_fields" in present else None
        custom = json.loads(custom) if custom else {}
        pk = table_cell(row.get("id"))
        if pk is None:
            if "stage_id" not in values:
                first_stage_id = first_stage_id or _first_open_stage().pk
                values["stage_id"] = first_stage_id
            opportunity = Opportunity(**values, custom_fields=custom)
            if opportunity.closed_at is None and stages[opportunity.stage_id].is_closed:
                opportunity.closed_at = now
            created.append(opportunity)
            continue
        opportunity = existing.get(int(pk))
        if opportunity is None:  # trashed or deleted since the file was checked
            raise NotFoundError(
                f"Opportunity {int(pk)} no longer exists; nothing was imported", field="id"
            )
        before = audit_snapshot(opportunity)
        old_stage = opportunity.stage_id
        for field, value in values.items():
            setattr(opportunity, field, value)
        if custom:
            opportunity.custom_fields = {**(opportunity.custom_fields or {}), **custom}
        if opportunity.stage_id != old_stage:
            moves.append((opportunity, old_stage))
            if opportunity.closed_at is None and stages[opportunity.stage_id].is_closed:
                opportunity.closed_at = now
        after = audit_snapshot(opportunity)
        diff = [name for name, value in after.items() if before.get(name) != value]
        if not diff:
            unchanged += 1
            continue
        opportunity.version += 1
        opportunity.updated_at = now
        updated.append((opportunity, before))
        changed_fields.update(Opportunity._meta.get_field(name).attname for name in diff)
    Opportunity.objects.bulk_create(created, batch_size=BATCH)
    if updated:
        fields = sorted(changed_fields | {"version", "updated_at"})
        Opportunity.objects.bulk_update([o for o, _ in updated], fields, batch_size=BATCH)
    user = actor if getattr(actor, "pk", None) else None
    OpportunityStageChange.objects.bulk_create(
        [
            OpportunityStageChange(
                opportunity=o,
                from_stage_id=old,
                to_stage_id=o.stage_id,
                actor=user,
                occurred_at=now,
            )
            for o, old in [*((o, None) for o in created), *moves]
        ],
        batch_size=BATCH,
    )
    audit_records_bulk(
        model=Opportunity,
        actor=actor if actor is not None else "import",
        changes=[(o, None) for o in created] + updated,
        note=source,
    )
    return UpsertResult(inserted=len(created), updated=len(updated), unchanged=unchanged)
