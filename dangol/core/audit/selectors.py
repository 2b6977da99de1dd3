"""Reads of the history and the trash."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dangol.core.audit.kinds import KINDS, can_see_trash, kind_get
from dangol.core.audit.models import AuditEntry

HISTORY_LIMIT = 200
TRASH_LIMIT = 200


@dataclass(frozen=True)
class FieldChange:
    field: str  # the field's name
    label: str  # its verbose name, translated
    old: str
    new: str


@dataclass(frozen=True)
class HistoryRow:
    entry: AuditEntry
    actor: str
    changes: list[FieldChange]


def _user_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def actor_display(entry: AuditEntry) -> str:
    """Return who made ``entry``: a staff member's name, or the kind of actor."""
    if entry.actor is not None:
        return _user_name(entry.actor)
    labels = {"customer": _("The customer"), "import": _("Import"), "system": _("System")}
    return str(labels.get(entry.actor_label, entry.actor_label or _("System")))


def _related_names(model, entries: list[AuditEntry]) -> dict[str, dict[Any, str]]:
    """Return, per foreign key, the display name of every id the entries mention."""
    wanted: dict[str, set] = {}
    for entry in entries:
        for name, pair in entry.changes.items():
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:  # a field since removed from the model
                continue
            if field.is_relation:
                wanted.setdefault(name, set()).update(v for v in pair if v is not None)
    names: dict[str, dict[Any, str]] = {}
    for name, ids in wanted.items():
        related = model._meta.get_field(name).related_model
        rows = related.objects.filter(pk__in=ids)
        is_user = hasattr(related, "get_username")
        names[name] = {row.pk: (_user_name(row) if is_user else str(row)) for row in rows}
    return names


def value_display(field: models.Field | None, value: Any, related: dict[Any, str]) -> str:
    """Return a snapshot value as a person reads it (choice labels, names, dates)."""
    if value is None or value == "":
        return "—"
    if field is None:
        return str(value)
    if field.is_relation:
        return related.get(value, f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        parsed = parse_datetime(value)
        return date_format(parsed, "SHORT_DATETIME_FORMAT") if parsed else value
    if isinstance(field, models.DateField) and isinstance(value, str):
        parsed = parse_date(value)
        return date_format(parsed, "SHORT_DATE_FORMAT") if parsed else value
    if isinstance(value, dict):
        return ", ".join(f"{key}: {item}" for key, item in sorted(value.items())) or "—"
    return str(value)


def record_history(*, instance: models.Model, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """Return the history of ``instance``, newest first, ready to show.

    The caller has checked that the user may see the record.
    """
    model = type(instance)
    entries = list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id=instance.pk
        )
        .select_related("actor")
        .order_by("-seq")[:limit]
    )
    related = _related_names(model, entries)
    rows = []
    for entry in entries:
        changes = []
        for name, (old, new) in entry.changes.items():
            try:
                field = model._meta.get_field(name)
                label = str(field.verbose_name)
            except FieldDoesNotExist:
                field, label = None, name
            names = related.get(name, {})
            changes.append(
                FieldChange(
                    field=name,
                    label=label[:1].upper() + label[1:],
                    old=value_display(field, old, names),
                    new=value_display(field, new, names),
                )
            )
        rows.append(HistoryRow(entry=entry, actor=actor_display(entry), changes=changes))
    return rows


def record_is_erased(*, instance: models.Model) -> bool:
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=instance.pk,
        action="erase",
    ).exists()


@dataclass(frozen=True)
class TrashSection:
    code: str
    label: str
    url_name: str
    items: list[models.Model]


def trash_list(*, user, kind: str = "", limit: int = TRASH_LIMIT) -> list[TrashSection]:
    """Return the trashed records ``user`` may see, per kind, the latest trashed first.

    Customers trashed are found through ``deleted_at IS NOT NULL``; the trash is small, so
    this reads a handful of rows (PostgreSQL and SQLite scan the column; see
    docs/privacy.md for the cost at a million customers).
    """
    from dangol.customers import permissions

    if not can_see_trash(user):
        return []
    codes = [kind_get(kind).code] if kind else list(KINDS)
    sections = []
    for code in codes:
        spec = KINDS[code]
        rows = spec.model.objects.filter(deleted_at__isnull=False)
        condition = permissions.visibility_filter(user)
        if condition is not None:
            from dangol.customers.models import Customer

            visible = permissions.restrict_visible(Customer.objects.all(), user).values("pk")
            rows = (
                rows.filter(pk__in=visible)
                if code == "customer"
                else rows.filter(customer__in=visible)
            )
        if code != "customer":
            rows = rows.select_related("customer")
        sections.append(
            TrashSection(
                code=code,
                label=str(spec.label),
                url_name=spec.url_name,
                items=list(rows.order_by("-deleted_at", "-id")[:limit]),
            )
        )
    return sections


def trashed_at(instance) -> dt.datetime | None:
    return getattr(instance, "deleted_at", None)
