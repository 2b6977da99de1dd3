"""Writes of custom-field definitions, and the set-based changes to stored values.

Only administrators define fields. Nothing stored is lost without an explicit
confirmation: deleting a field in use, changing its type, or removing a choice in use
report how many values are affected and need ``confirm`` (for a delete: the field's key
typed back) before the values are touched.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangol.accounts.roles import Role, user_role
from dangol.core.customfields.errors import (
    CustomFieldErrorCode,
    PermissionDeniedError,
    ValidationError,
)
from dangol.core.customfields.models import (
    KEY_PATTERN,
    CustomFieldDefinition,
    CustomFieldEntity,
    CustomFieldType,
)
from dangol.core.customfields.registry import entity_model, safe_key
from dangol.core.customfields.selectors import custom_field_usage_count, custom_field_values
from dangol.core.customfields.validation import InvalidValue, _text, value_clean

CHOICE_TYPES = {CustomFieldType.CHOICE, CustomFieldType.MULTICHOICE}
EDITABLE = {
    "label",
    "label_ko",
    "field_type",
    "choices",
    "required",
    "help_text",
    "order",
    "show_in_list",
    "filterable",
}
ID_CHUNK = 1000


class ConfirmationRequired(ValidationError):
    """The change would remove or invalidate stored values; ask before doing it."""

    code = CustomFieldErrorCode.CONFIRMATION_REQUIRED

    def __init__(self, message: str, *, affected: int, field: str = "") -> None:
        super().__init__(message, field=field)
        self.affected = affected


@dataclass(frozen=True)
class Impact:
    """What a change of definition does to the stored values."""

    holding: int  # records with a value
    invalid: int  # values that would not fit the new definition (removed)
    converted: int  # values that fit after conversion (rewritten)


def _require_admin(actor) -> None:
    if user_role(actor) is not Role.ADMIN:
        raise PermissionDeniedError(
            _("Only administrators may define custom fields"),
            code=CustomFieldErrorCode.PERMISSION_DENIED,
        )


def _invalid(message: str, field: str) -> ValidationError:
    return ValidationError(message, code=CustomFieldErrorCode.INVALID, field=field)


def _clean_choices(raw: Any) -> list[dict[str, str]]:
    """Return choices as ``[{value, label, label_ko}]`` from dicts or "value|label|ko" lines."""
    if isinstance(raw, str):
        raw = [line for line in raw.splitlines() if line.strip()]
    if not isinstance(raw, list | tuple):
        raise _invalid(_("Choices must be a list"), "choices")
    out: list[dict[str, str]] = []
    for item in raw:
        if isinstance(item, str):
            parts = [p.strip() for p in item.split("|")]
            item = {
                "value": parts[0],
                "label": parts[1] if len(parts) > 1 and parts[1] else parts[0],
                "label_ko": parts[2] if len(parts) > 2 else "",
            }
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            raise _invalid(_("Each choice needs a value"), "choices")
        try:
            value = _text(item["value"])
            label = _text(item.get("label") or value)
            label_ko = _text(item.get("label_ko") or "")
        except InvalidValue as exc:
            raise _invalid(
                _("Choice %(value)r: %(reason)s") % {"value": item["value"], "reason": exc},
                "choices",
            ) from exc
        if not value or len(value) > 100 or "," in value:
            raise _invalid(
                _("Choice values must be 1-100 characters without commas: %(value)r")
                % {"value": value},
                "choices",
            )
        if any(c["value"] == value for c in out):
            raise _invalid(_("Choice %(value)r appears twice") % {"value": value}, "choices")
        out.append({"value": value, "label": label, "label_ko": label_ko})
    return out


def _clean(fields: dict[str, Any], definition: CustomFieldDefinition) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name in ("label", "label_ko", "help_text"):
        if name in fields:
            try:
                clean[name] = _text(fields[name] or "")
            except InvalidValue as exc:
                raise _invalid(f"{name}: {exc}", name) from exc
    if "label" in clean and not clean["label"]:
        raise ValidationError(
            _("A custom field needs a label"), code=CustomFieldErrorCode.REQUIRED, field="label"
        )
    if "field_type" in fields:
        if fields["field_type"] not in CustomFieldType.values:
            raise _invalid(
                _("Unknown type %(type)r") % {"type": fields["field_type"]}, "field_type"
            )
        clean["field_type"] = fields["field_type"]
    if "choices" in fields:
        clean["choices"] = _clean_choices(fields["choices"] or [])
    for name in ("required", "show_in_list", "filterable"):
        if name in fields:
            clean[name] = bool(fields[name])
    if "order" in fields:
        try:
            clean["order"] = max(0, int(fields["order"] or 0))
        except (TypeError, ValueError) as exc:
            raise _invalid(_("The order must be a whole number"), "order") from exc
    field_type = clean.get("field_type", definition.field_type)
    choices = clean.get("choices", definition.choices)
    if field_type in CHOICE_TYPES and not choices:
        raise ValidationError(
            _("A choice field needs at least one choice"),
            code=CustomFieldErrorCode.REQUIRED,
            field="choices",
        )
    if field_type not in CHOICE_TYPES and choices:
        clean["choices"] = []
    return clean


@transaction.atomic
def custom_field_create(
    *, actor, entity: str, key: str, label: str, field_type: str, **fields: Any
) -> CustomFieldDefinition:
    """Define a new custom field of ``entity`` and return it.

    :param key: the stable slug (``^[a-z][a-z0-9_]{0,39}$``), unique per entity.
    :param fields: any of label_ko, choices, required, help_text, order, show_in_list,
        filterable.
    :raises PermissionDeniedError: the actor is not an administrator.
    :raises ValidationError: a malformed or duplicate key, a missing label, choices.
    """
    _require_admin(actor)
    if entity not in CustomFieldEntity.values:
        raise _invalid(_("Unknown record type %(entity)r") % {"entity": entity}, "entity")
    try:
        key = safe_key(str(key).strip())
    except ValueError as exc:
        raise _invalid(
            _(
                "The key must be lower-case letters, digits and _, starting with a letter "
                "(at most 40)"
            ),
            "key",
        ) from exc
    unknown = set(fields) - EDITABLE
    if unknown:
        raise _invalid(
            _("Unknown setting %(name)r") % {"name": sorted(unknown)[0]}, sorted(unknown)[0]
        )
    if CustomFieldDefinition.objects.filter(entity=entity, key=key).exists():
        raise ValidationError(
            _("The key %(key)r is already used by another field of this record type")
            % {"key": key},
            code=CustomFieldErrorCode.DUPLICATE_KEY,
            field="key",
        )
    definition = CustomFieldDefinition(entity=entity, key=key)
    clean = _clean({**fields, "label": label, "field_type": field_type}, definition)
    for name, value in clean.items():
        setattr(definition, name, value)
    try:
        with transaction.atomic():
            definition.save()
    except IntegrityError as exc:
        raise _invalid(
            _("The custom field could not be saved: %(error)s") % {"error": exc}, "key"
        ) from exc
    return definition


def custom_field_impact(
    *, definition: CustomFieldDefinition, field_type: str | None = None, choices=None
) -> Impact:
    """Return what changing ``definition``'s type or choices would do to stored values."""
    proposed = _proposed(definition, field_type=field_type, choices=choices)
    holding = invalid = converted = 0
    for _pk, value in custom_field_values(definition=definition):
        holding += 1
        try:
            new = value_clean(proposed, value)
        except InvalidValue:
            invalid += 1
            continue
        if new != value:
            converted += 1
    return Impact(holding=holding, invalid=invalid, converted=converted)


def _proposed(definition, *, field_type, choices) -> CustomFieldDefinition:
    return CustomFieldDefinition(
        entity=definition.entity,
        key=definition.key,
        label=definition.label,
        field_type=field_type or definition.field_type,
        choices=definition.choices if choices is None else choices,
    )


@transaction.atomic
def custom_field_update(
    *, actor, definition: CustomFieldDefinition, confirm: bool = False, **changes: Any
) -> CustomFieldDefinition:
    """Change ``definition`` (label, choices, order, required, type...); the key stays.

    A new type or a removed choice that leaves stored values invalid raises
    ``ConfirmationRequired`` with the number of such values unless ``confirm``; with
    it, values that convert are rewritten and the others removed, in set-based updates.
    """
    _require_admin(actor)
    if "key" in changes and changes.pop("key") != definition.key:
        raise _invalid(_("The key of a custom field never changes; change its label"), "key")
    unknown = set(changes) - EDITABLE
    if unknown:
        raise _invalid(
            _("Unknown setting %(name)r") % {"name": sorted(unknown)[0]}, sorted(unknown)[0]
        )
    clean = _clean(changes, definition)
    type_changes = clean.get("field_type", definition.field_type) != definition.field_type
    choices_shrink = "choices" in clean and bool(
        set(definition.choice_values) - {c["value"] for c in clean["choices"]}
    )
    if type_changes or choices_shrink:
        proposed = _proposed(
            definition, field_type=clean.get("field_type"), choices=clean.get("choices")
        )
        impact = custom_field_impact(
            definition=definition, field_type=proposed.field_type, choices=proposed.choices
        )
        if impact.invalid and not confirm:
            raise ConfirmationRequired(
                _(
                    "%(count)d stored values of %(label)s would no longer be valid and would "
                    "be removed; confirm to go ahead"
                )
                % {"count": impact.invalid, "label": definition.display_label},
                affected=impact.invalid,
                field="field_type" if type_changes else "choices",
            )
        if impact.invalid or impact.converted:
            _rewrite_values(definition=definition, proposed=proposed)
    for name, value in clean.items():
        setattr(definition, name, value)
    definition.save()
    return definition


@transaction.atomic
def custom_field_archive(
    *, actor, definition: CustomFieldDefinition, archived: bool = True
) -> CustomFieldDefinition:
    """Hide ``definition`` from forms, pages and the API (or bring it back); values stay."""
    _require_admin(actor)
    definition.archived = archived
    definition.save(update_fields=["archived", "updated_at"])
    return definition


@transaction.atomic
def custom_field_delete(*, actor, definition: CustomFieldDefinition, confirmation: str = "") -> int:
    """Delete ``definition`` and the values records hold for it; return how many.

    :param confirmation: the field's key typed back; without it (or when it differs)
        nothing changes and ``ConfirmationRequired`` reports how many records hold a
        value.
    """
    _require_admin(actor)
    holding = custom_field_usage_count(definition=definition)
    if (confirmation or "").strip() != definition.key:
        raise ConfirmationRequired(
            _(
                "%(count)d records hold a value of %(label)s; type the key %(key)s to delete "
                "the field and those values"
            )
            % {"count": holding, "label": definition.display_label, "key": definition.key},
            affected=holding,
            field="confirmation",
        )
    removed = _remove_values(definition=definition, ids=None) if holding else 0
    definition.delete()
    return removed


# --- set-based JSON updates of the stored values -----------------------------------------


def _table(definition: CustomFieldDefinition) -> str:
    return connection.ops.quote_name(entity_model(definition.entity)._meta.db_table)


def _now():
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _remove_values(*, definition: CustomFieldDefinition, ids: list[int] | None) -> int:
    """Remove ``definition``'s key from the given records (all holding it if ``ids`` is None)."""
    key = safe_key(definition.key)
    table = _table(definition)
    if connection.vendor == "postgresql":
        sql = (
            f"UPDATE {table} SET custom_fields = custom_fields - %s, updated_at = %s "
            f"WHERE custom_fields ? %s"
        )
        params: list[Any] = [key, _now(), key]
    else:
        path = f'$."{key}"'
        sql = (
            f"UPDATE {table} SET custom_fields = json_remove(custom_fields, %s), "
            f"updated_at = %s WHERE json_type(custom_fields, %s) IS NOT NULL"
        )
        params = [path, _now(), path]
    removed = 0
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute(sql, params)
            return cursor.rowcount
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"{sql} AND id IN ({marks})", [*params, *chunk])
            removed += cursor.rowcount
    return removed


def _set_values(*, definition: CustomFieldDefinition, value: Any, ids: list[int]) -> None:
    key = safe_key(definition.key)
    table = _table(definition)
    if connection.vendor == "postgresql":
        sql = (
            f"UPDATE {table} SET custom_fields = jsonb_set(custom_fields, %s, %s::jsonb), "
            f"updated_at = %s"
        )
        params: list[Any] = [[key], json.dumps(value), _now()]
    else:
        sql = (
            f"UPDATE {table} SET custom_fields = json_set(custom_fields, %s, json(%s)), "
            f"updated_at = %s"
        )
        params = [f'$."{key}"', json.dumps(value), _now()]
    with connection.cursor() as cursor:
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"{sql} WHERE id IN ({marks})", [*params, *chunk])


def _rewrite_values(*, definition: CustomFieldDefinition, proposed: CustomFieldDefinition) -> None:
    """Convert stored values to ``proposed``'s type, removing those that do not fit.

    Records are grouped by their new value so that each distinct value is one UPDATE
    per thousand records, not one per record.
    """
    invalid: list[int] = []
    by_value: dict[str, list[int]] = defaultdict(list)
    for pk, value in custom_field_values(definition=definition):
        try:
            new = value_clean(proposed, value)
        except InvalidValue:
            invalid.append(pk)
            continue
        if new != value:
            by_value[json.dumps(new)].append(pk)
    if invalid:
        _remove_values(definition=definition, ids=invalid)
    for encoded, ids in by_value.items():
        _set_values(definition=definition, value=json.loads(encoded), ids=ids)


__all__ = [
    "KEY_PATTERN",
    "ConfirmationRequired",
    "Impact",
    "custom_field_archive",
    "custom_field_create",
    "custom_field_delete",
    "custom_field_impact",
    "custom_field_update",
]
