"""Trash, restore, permanent delete and revert of customers, orders, tickets, opportunities.

Soft delete sets ``deleted_at``; lists, search and the API hide such records, their
detail pages show them with a banner. A revert reads a version's snapshot from the
history and applies it through the owning app's normal update service (so permissions,
validation, optimistic locking and side effects are the usual ones), recorded as
``revert``.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone

from dangol.core.audit.errors import (
    AuditErrorCode,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from dangol.core.audit.kinds import can_purge, can_trash, kind_of
from dangol.core.audit.models import AuditAction, AuditEntry
from dangol.core.audit.recording import audit_as, audit_record, audit_snapshot


def _has_version(model: type[models.Model]) -> bool:
    return any(field.name == "version" for field in model._meta.concrete_fields)


def _customer_counts_kept(instance: models.Model):
    """Return the customers app's tracker of its churn-band counts for a customer, or a no-op."""
    from contextlib import nullcontext

    from dangol.customers.models import Customer

    if not isinstance(instance, Customer):
        return nullcontext()
    from dangol.customers.score_services import customer_churn_bands_track

    return customer_churn_bands_track(customer_ids=[instance.pk])


def _set_deleted(instance: models.Model, value, expected_version: int | None = None) -> None:
    """Set ``deleted_at`` (bumping ``version`` where the model has one: an editor who
    opened the record before it was trashed gets a conflict, not a silent write).

    :raises ConflictError: ``expected_version`` is given and no longer the stored one.
    """
    model = type(instance)
    now = timezone.now()
    extra: dict[str, Any] = {"version": F("version") + 1} if _has_version(model) else {}
    with _customer_counts_kept(instance):
        rows = model.objects.filter(pk=instance.pk)
        if expected_version is not None and extra:
            rows = rows.filter(version=expected_version)
        if not rows.update(deleted_at=value, updated_at=now, **extra):
            raise ConflictError(
                "Someone else changed this record since you opened it; reload and try again",
                code=AuditErrorCode.VERSION_CONFLICT,
                field="version",
            )
    instance.refresh_from_db()


def _require_trash_rights(actor, instance) -> None:
    if not can_trash(actor, instance):
        raise PermissionDeniedError(
            "Only administrators and managers move records to the trash or restore them",
            code=AuditErrorCode.PERMISSION_DENIED,
        )


def record_trash_authorize(*, actor, instance: models.Model) -> None:
    """Raise unless ``actor`` may move ``instance`` to the trash (checked before its version).

    :raises PermissionDeniedError: the actor is not an admin or a manager who sees it.
    """
    _require_trash_rights(actor, instance)


@transaction.atomic
def record_trash(
    *, instance: models.Model, actor, expected_version: int | None = None
) -> models.Model:
    """Move ``instance`` (a customer, order, ticket or opportunity) to the trash.

    :param expected_version: the version the caller read (versioned kinds; the API's
        ``If-Match``); someone else's change since then is a conflict.
    :raises PermissionDeniedError: the actor is not an admin or a manager who sees it.
    :raises ConflictError: it is already in the trash, or changed since
        ``expected_version``.
    """
    kind_of(instance)
    _require_trash_rights(actor, instance)
    if instance.deleted_at is not None:
        raise ConflictError("This record is already in the trash", code=AuditErrorCode.IN_TRASH)
    before = audit_snapshot(instance)
    _set_deleted(instance, timezone.now(), expected_version)
    audit_record(instance=instance, actor=actor, action=AuditAction.DELETE, before=before)
    return instance


@transaction.atomic
def record_restore(*, instance: models.Model, actor) -> models.Model:
    """Take ``instance`` out of the trash.

    :raises ConflictError: it is not in the trash.
    """
    kind_of(instance)
    _require_trash_rights(actor, instance)
    if instance.deleted_at is None:
        raise ConflictError("This record is not in the trash", code=AuditErrorCode.NOT_IN_TRASH)
    before = audit_snapshot(instance)
    _set_deleted(instance, None)
    audit_record(instance=instance, actor=actor, action=AuditAction.RESTORE, before=before)
    return instance


@transaction.atomic
def record_purge(*, instance: models.Model, actor) -> None:
    """Delete a trashed record for good (administrators only); its history stays.

    A customer with orders, tickets or opportunities cannot go: those are the business's
    records and point at the customer (erase the person's data instead).

    :raises PermissionDeniedError: the actor is not an administrator.
    :raises ConflictError: it is not in the trash, or other records still need it.
    """
    kind = kind_of(instance)
    if not can_purge(actor):
        raise PermissionDeniedError(
            "Only administrators delete records permanently",
            code=AuditErrorCode.PERMISSION_DENIED,
        )
    if instance.deleted_at is None:
        raise ConflictError(
            "Move the record to the trash before deleting it permanently",
            code=AuditErrorCode.NOT_IN_TRASH,
        )
    if kind.code == "customer":
        from dangol.customers.services import customer_delete

        customer_delete(actor=actor, customer=instance)  # refuses a customer with orders
        return
    audit_record(instance=instance, actor=actor, action=AuditAction.PURGE, before=None, snapshot={})
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError as exc:
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise ConflictError(
            f"Other records still point at this one ({', '.join(kinds)}); it cannot be deleted",
            code=AuditErrorCode.HAS_RECORDS,
        ) from exc


# Aliases under the entity-first names the rest of the code base uses.
def customer_trash(*, instance, actor):
    return record_trash(instance=instance, actor=actor)


def customer_restore(*, instance, actor):
    return record_restore(instance=instance, actor=actor)


order_trash = ticket_trash = opportunity_trash = customer_trash
order_restore = ticket_restore = opportunity_restore = customer_restore


# Reverts.


def _entry(instance: models.Model, version: int) -> AuditEntry:
    from django.contrib.contenttypes.models import ContentType

    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(instance)), object_id=instance.pk
    )
    if entries.filter(action=AuditAction.ERASE).exists():
        raise ValidationError(
            "This customer's personal data was erased; earlier versions cannot be restored",
            code=AuditErrorCode.ERASED,
        )
    entry = entries.filter(seq=version).first()
    if entry is None or not entry.snapshot:
        raise NotFoundError(f"No version {version} of this record", field="version")
    return entry


def _value(model, name: str, raw: Any) -> Any:
    """Return the snapshot value ``raw`` of field ``name`` as the update service takes it."""
    field = model._meta.get_field(name)
    if field.is_relation:
        if raw is None:
            return None
        target = field.related_model.objects.filter(pk=raw).first()
        if target is None:
            raise ValidationError(
                f"The {field.verbose_name} of that version no longer exists",
                code=AuditErrorCode.MISSING_REFERENCE,
                field=name,
            )
        return target
    return field.to_python(raw)


def _differences(instance, snapshot: dict[str, Any], names) -> dict[str, Any]:
    """Return the fields among ``names`` whose current value differs from ``snapshot``."""
    current = audit_snapshot(instance)
    return {
        name: _value(type(instance), name, snapshot[name])
        for name in names
        if name in snapshot and snapshot[name] != current.get(name)
    }


def _nothing_to_restore(version: int):
    return ValidationError(
        f"Version {version} has the same values as the current record",
        code=AuditErrorCode.ALREADY_CURRENT,
        field="version",
    )


@transaction.atomic
def customer_revert(*, instance, version: int, actor):
    """Restore customer ``instance`` to history version ``version`` (its fields and consent).

    The fields go through ``customer_update`` (the actor's field rights apply), each
    consent difference through ``customer_consent_set`` (a new consent proof saying it
    came from a revert); both are recorded as ``revert``.

    :raises NotFoundError: no such version.
    :raises ValidationError: nothing differs, or a referenced record no longer exists.
    """
    from dangol.customers.choices import ConsentChannel
    from dangol.customers.permissions import EDITABLE_FIELDS
    from dangol.customers.services import customer_consent_set, customer_update

    entry = _entry(instance, version)
    changes = _differences(instance, entry.snapshot, sorted(EDITABLE_FIELDS))
    consents = _differences(instance, entry.snapshot, [f"consent_{c}" for c in ConsentChannel])
    if not changes and not consents:
        raise _nothing_to_restore(version)
    with audit_as(AuditAction.REVERT, note=f"v{version}"):
        if changes:
            instance = customer_update(
                actor=actor, customer=instance, expected_version=instance.version, **changes
            )
        for name, granted in consents.items():
            customer_consent_set(
                actor=actor,
                customer=instance,
                channel=name.removeprefix("consent_"),
                granted=granted,
                source=f"Restored version {version}",
            )
    return instance


@transaction.atomic
def order_revert(*, instance, version: int, actor):
    """Restore an order's status to the one of ``version`` (the allowed moves apply)."""
    from dangol.sales.services import order_status_set

    entry = _entry(instance, version)
    changes = _differences(instance, entry.snapshot, ["status"])
    if not changes:
        raise _nothing_to_restore(version)
    with audit_as(AuditAction.REVERT, note=f"v{version}"):
        return order_status_set(actor=actor, order=instance, status=changes["status"])


@transaction.atomic
def ticket_revert(*, instance, version: int, actor):
    """Restore a ticket's status, priority, assignee and queue to those of ``version``.

    Through ``ticket_update`` (status moves must be allowed ones; SLA dues follow the
    priority as they always do). An unassigned or unqueued version cannot take the
    assignee or queue away: the desk's rules have no "unassign".
    """
    from dangol.service.services import ticket_update

    entry = _entry(instance, version)
    changes = _differences(instance, entry.snapshot, ["status", "priority", "assignee", "queue"])
    if not changes:
        raise _nothing_to_restore(version)
    for name in ("assignee", "queue"):
        if name in changes and changes[name] is None:
            raise ValidationError(
                f"The {name} cannot be removed by a revert; change it on the ticket",
                code=AuditErrorCode.MISSING_REFERENCE,
                field=name,
            )
    with audit_as(AuditAction.REVERT, note=f"v{version}"):
        return ticket_update(actor=actor, ticket=instance, version=instance.version, **changes)


@transaction.atomic
def opportunity_revert(*, instance, version: int, actor):
    """Move an opportunity back to the stage (and loss reason, note) of ``version``.

    Stage, loss reason and outcome note are what the pipeline's services change; they go
    back through ``opportunity_move``.
    """
    from dangol.sales.pipeline_services import opportunity_move

    entry = _entry(instance, version)
    changes = _differences(instance, entry.snapshot, ["stage", "loss_reason", "outcome_note"])
    if not changes:
        raise _nothing_to_restore(version)
    snapshot = entry.snapshot
    with audit_as(AuditAction.REVERT, note=f"v{version}"):
        return opportunity_move(
            actor=actor,
            opportunity=instance,
            stage=_value(type(instance), "stage", snapshot["stage"]),
            expected_version=instance.version,
            loss_reason=snapshot.get("loss_reason", ""),
            outcome_note=snapshot.get("outcome_note", ""),
        )


REVERTS = {
    "customer": customer_revert,
    "order": order_revert,
    "ticket": ticket_revert,
    "opportunity": opportunity_revert,
}


def record_revert(*, instance, version: int, actor):
    """Restore ``instance`` to ``version`` with its kind's revert service."""
    return REVERTS[kind_of(instance).code](instance=instance, version=version, actor=actor)
