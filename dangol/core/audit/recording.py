"""Record changes of audited records: called by the owning app's services.

A service takes ``before = audit_snapshot(instance)`` before it changes anything and
calls ``audit_record(instance=..., actor=..., action=..., before=before)`` after its
write, in the same transaction: a rolled-back write leaves no entry. ``audit_as``
relabels what a service records while a revert runs through it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
from contextvars import ContextVar
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Max

from dangol.core.audit.models import AuditAction, AuditEntry

# Bookkeeping columns that change on every write or say nothing to a reader.
EXCLUDED_FIELDS = frozenset(
    {
        "id",
        "created_at",
        "updated_at",
        "version",
        "phone_digits",
        "thread_token",
        "deleted_at",
        "merged_into",
    }
)

# Set by ``audit_as`` while a revert (or an erasure) runs through the normal services.
_ACTION_OVERRIDE: ContextVar[tuple[str, str] | None] = ContextVar("audit_action", default=None)


def audited_fields(model: type[models.Model]) -> list[models.Field]:
    """Return the fields of ``model`` the history shows and a revert can restore."""
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in EXCLUDED_FIELDS and not field.primary_key
    ]


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def audit_snapshot(instance: models.Model) -> dict[str, Any]:
    """Return the audited fields of ``instance`` as JSON values (foreign keys as ids)."""
    return {
        field.name: _json_value(field.value_from_object(instance))
        for field in audited_fields(type(instance))
    }


def audit_diff(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, list]:
    """Return ``{field: [old, new]}`` for the fields that differ (all of them on create)."""
    before = before or {}
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if name not in before or before[name] != value
    }


@contextlib.contextmanager
def audit_as(action: str, note: str = ""):
    """Record every entry written inside the block as ``action`` (a revert, an erasure)."""
    token = _ACTION_OVERRIDE.set((AuditAction(action).value, note))
    try:
        yield
    finally:
        _ACTION_OVERRIDE.reset(token)


def _actor_fields(actor) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    if isinstance(actor, get_user_model()):
        return {"actor": actor, "actor_label": ""}
    return {"actor": None, "actor_label": str(actor or "system")[:40]}


def audit_record(
    *,
    instance: models.Model,
    actor,
    action: str,
    before: dict[str, Any] | None,
    note: str = "",
    snapshot: dict[str, Any] | None = None,
) -> AuditEntry | None:
    """Append an entry for ``instance`` to its history and return it.

    :param actor: the staff user, or ``None`` for the system; a string names another
        kind of actor ("customer" for the portal, "import").
    :param before: ``audit_snapshot`` taken before the change; ``None`` on create.
    :returns: the entry, or ``None`` when an update changed no audited field.
    """
    override = _ACTION_OVERRIDE.get()
    if override is not None and action == AuditAction.UPDATE:
        action, note = override[0], note or override[1]
    action = AuditAction(action).value
    after = audit_snapshot(instance) if snapshot is None else snapshot
    changes = audit_diff(before, after)
    if action in (AuditAction.UPDATE, AuditAction.REVERT) and not changes:
        return None
    content_type = ContentType.objects.get_for_model(type(instance))
    # The audited row was just written by this transaction, so a concurrent writer of the
    # same record waits on its row lock: the max is stable until commit.
    last = AuditEntry.objects.filter(content_type=content_type, object_id=instance.pk).aggregate(
        last=Max("seq")
    )["last"]
    return AuditEntry.objects.create(
        content_type=content_type,
        object_id=instance.pk,
        seq=(last or 0) + 1,
        action=action,
        changes=changes,
        snapshot=after,
        note=note[:200],
        **_actor_fields(actor),
    )


def audit_import_record(
    *, model: type[models.Model], actor, counts: dict[str, Any], note: str = ""
) -> AuditEntry:
    """Record one summary entry for a bulk import job (no per-row history).

    Imports write set-based (COPY / executemany); a row per imported record would double
    the write volume of a million-row load. The entry says who imported what and how
    many rows were created or updated; the records' own histories start at their next
    change through a service.
    """
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_id=None,
        seq=0,
        action=AuditAction.IMPORT,
        changes={},
        snapshot={"counts": counts},
        note=note[:200],
        **_actor_fields(actor),
    )


def audit_records_bulk(
    *,
    model: type[models.Model],
    actor,
    changes: list[tuple[models.Model, dict[str, Any] | None]],
    note: str = "",
) -> int:
    """Append one history entry per changed record of ``model`` in one INSERT; return how many.

    For set-based writers of moderate volume (ticket and opportunity imports) that still
    keep each record's own history: ``changes`` pairs each written instance with its
    ``audit_snapshot`` before the write (``None`` for a record just created). An update
    that changed no audited field records nothing, as ``audit_record`` does.
    """
    if not changes:
        return 0
    override = _ACTION_OVERRIDE.get()
    content_type = ContentType.objects.get_for_model(model)
    ids = [instance.pk for instance, _before in changes]
    last: dict[int, int] = {}
    for start in range(0, len(ids), 5000):
        rows = (
            AuditEntry.objects.filter(
                content_type=content_type, object_id__in=ids[start : start + 5000]
            )
            .values("object_id")
            .annotate(last=Max("seq"))
            .values_list("object_id", "last")
        )
        last.update(rows)
    who = _actor_fields(actor)
    entries = []
    for instance, before in changes:
        action = AuditAction.CREATE if before is None else AuditAction.UPDATE
        entry_note = note
        if override is not None and action == AuditAction.UPDATE:
            action, entry_note = override[0], note or override[1]
        after = audit_snapshot(instance)
        diff = audit_diff(before, after)
        if before is not None and not diff:
            continue
        entries.append(
            AuditEntry(
                content_type=content_type,
                object_id=instance.pk,
                seq=last.get(instance.pk, 0) + 1,
                action=AuditAction(action).value,
                changes=diff,
                snapshot=after,
                note=entry_note[:200],
                **who,
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)
