"""Validate custom-field values like built-in fields: one place for every caller.

Services of customers, opportunities, tickets and products call
``custom_fields_clean`` before they write; forms, the API and imports reach it through
those services (imports of a million rows use the column-wise twin in ``imports.py``,
which applies the same rules).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from dangol.core.customfields.errors import CustomFieldErrorCode, ValidationError
from dangol.core.customfields.models import CustomFieldDefinition, CustomFieldType
from dangol.core.customfields.selectors import custom_field_definitions

TEXT_MAX = 1000
MONEY_LIMIT = Decimal(10) ** 12
CENT = Decimal("0.01")
TRUE_WORDS = {"1", "true", "t", "y", "yes", "on", "예", "네", "참"}
FALSE_WORDS = {"0", "false", "f", "n", "no", "off", "아니오", "아니요", "거짓"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidValue(ValueError):
    """A value does not fit its definition; the message is the reason."""


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise InvalidValue(_("must be text"))
    text = str(value).strip()
    if _CONTROL.search(text):
        raise InvalidValue(_("contains a control character"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidValue(_("contains an unpaired surrogate")) from exc
    if len(text) > TEXT_MAX:
        raise InvalidValue(_("is longer than %(max)d characters") % {"max": TEXT_MAX})
    return text


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise InvalidValue(_("must be a number"))
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidValue(_("must be a number")) from exc
    if not number.is_finite() or abs(number) >= Decimal(10) ** 15:
        raise InvalidValue(_("must be a finite number"))
    if number == number.to_integral_value():
        return int(number)
    result = float(number)
    if not math.isfinite(result):
        raise InvalidValue(_("must be a finite number"))
    return result


def money_parse(value: Any) -> Decimal:
    """Return ``value`` as a Decimal with two places (raise ``InvalidValue``)."""
    if isinstance(value, bool):
        raise InvalidValue(_("must be an amount"))
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidValue(_("must be an amount")) from exc
    if not amount.is_finite() or abs(amount) >= MONEY_LIMIT:
        raise InvalidValue(_("must be an amount below 10^12"))
    if amount != amount.quantize(CENT):
        raise InvalidValue(_("may have at most two decimal places"))
    return amount.quantize(CENT)


def _money(value: Any) -> float:
    # Stored as a JSON number so SQL can compare and sum it; two places survive the
    # round trip because every reader quantizes (``money_parse``) again.
    return float(money_parse(value))


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        raise InvalidValue(_("must be a date (YYYY-MM-DD)"))
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        raise InvalidValue(_("must be a date (YYYY-MM-DD)"))
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError as exc:
        raise InvalidValue(_("must be a date (YYYY-MM-DD)")) from exc


def _choice(value: Any, definition: CustomFieldDefinition) -> str:
    if not isinstance(value, str) or value.strip() not in definition.choice_values:
        raise InvalidValue(
            _("must be one of: %(choices)s") % {"choices": ", ".join(definition.choice_values)}
        )
    return value.strip()


def _multichoice(value: Any, definition: CustomFieldDefinition) -> list[str]:
    if isinstance(value, str):
        value = [part for part in value.split(",")]
    if not isinstance(value, list | tuple):
        raise InvalidValue(_("must be a list of choices"))
    picked: list[str] = []
    for item in value:
        item = _choice(item, definition)
        if item not in picked:
            picked.append(item)
    return picked


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise InvalidValue(_("must be true or false"))


def _record_id(value: Any) -> int:
    if isinstance(value, bool):
        raise InvalidValue(_("must be an id"))
    pk = getattr(value, "pk", value)
    try:
        pk = int(str(pk).strip())
    except (TypeError, ValueError) as exc:
        raise InvalidValue(_("must be an id")) from exc
    if not 0 < pk < 2**63:
        raise InvalidValue(_("must be an id"))
    return pk


def record_id_parse(value: Any) -> int:
    """Return ``value`` as a record id, without checking that the record exists."""
    return _record_id(value)


def _user(value: Any) -> int:
    from dangol.accounts.models import User

    pk = _record_id(value)
    if not User.objects.filter(pk=pk, is_active=True).exists():
        raise InvalidValue(_("no active staff user has id %(id)s") % {"id": pk})
    return pk


def _customer(value: Any) -> int:
    from dangol.customers.models import Customer

    pk = _record_id(value)
    if not Customer._base_manager.filter(pk=pk, deleted_at__isnull=True).exists():
        raise InvalidValue(_("no customer has id %(id)s") % {"id": pk})
    return pk


def value_clean(definition: CustomFieldDefinition, value: Any) -> Any:
    """Return ``value`` converted to what is stored for ``definition``.

    :raises InvalidValue: with the reason the value does not fit.
    """
    kind = definition.field_type
    if kind == CustomFieldType.TEXT:
        return _text(value)
    if kind == CustomFieldType.NUMBER:
        return _number(value)
    if kind == CustomFieldType.MONEY:
        return _money(value)
    if kind == CustomFieldType.DATE:
        return _date(value)
    if kind == CustomFieldType.CHOICE:
        return _choice(value, definition)
    if kind == CustomFieldType.MULTICHOICE:
        return _multichoice(value, definition)
    if kind == CustomFieldType.BOOLEAN:
        return _boolean(value)
    if kind == CustomFieldType.USER:
        return _user(value)
    if kind == CustomFieldType.CUSTOMER:
        return _customer(value)
    raise InvalidValue(_("has an unknown type"))


def _error(
    definition: CustomFieldDefinition | None, key: str, reason: str, code
) -> ValidationError:
    label = definition.display_label if definition is not None else key
    return ValidationError(f"{label}: {reason}", code=code, field=f"custom_fields.{key}")


def custom_fields_clean(
    *,
    entity: str,
    values: Any,
    partial: bool,
    existing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate ``values`` against ``entity``'s definitions; return what to store.

    :param values: ``{key: value}``; an empty value (None, "", []) removes the key.
    :param partial: an update: only the given keys change and missing required fields
        are not reported (a create passes False).
    :param existing: the record's stored values, kept where ``values`` says nothing
        (values of archived fields and of keys defined before this feature survive).
    :raises ValidationError: naming ``custom_fields.<key>``, the label and the reason;
        the first bad value stops the check.
    """
    if isinstance(values, str):  # the JSON text of a form's box (the admin's raw field)
        with contextlib.suppress(ValueError):  # not JSON: reported as not an object below
            values = json.loads(values) if values.strip() else {}
    if values is None:  # an empty JSON box in a form
        values = {}
    if not isinstance(values, dict):
        raise ValidationError(
            _("Custom fields must be an object of keys to values"),
            code=CustomFieldErrorCode.INVALID,
            field="custom_fields",
        )
    by_key = {d.key: d for d in custom_field_definitions(entity=entity, include_archived=True)}
    result = dict(existing or {})
    for key, value in values.items():
        definition = by_key.get(key)
        if definition is None:
            raise _error(None, str(key), _("no such custom field"), CustomFieldErrorCode.UNKNOWN)
        if definition.archived:
            if result.get(key) == value:
                continue  # sending back what is stored is not a change
            raise _error(
                definition, key, _("this field is archived"), CustomFieldErrorCode.ARCHIVED
            )
        if _empty(value):
            if definition.required:
                raise _error(definition, key, _("is required"), CustomFieldErrorCode.REQUIRED)
            result.pop(key, None)
            continue
        try:
            result[key] = value_clean(definition, value)
        except InvalidValue as exc:
            raise _error(definition, key, str(exc), CustomFieldErrorCode.INVALID) from exc
    if not partial:
        for definition in by_key.values():
            if definition.required and not definition.archived and definition.key not in result:
                raise _error(
                    definition, definition.key, _("is required"), CustomFieldErrorCode.REQUIRED
                )
    return result


def value_display(definition: CustomFieldDefinition, value: Any) -> str:
    """Return a stored value as people read it (choice labels, money with two places)."""
    if _empty(value):
        return ""
    kind = definition.field_type
    if kind == CustomFieldType.MONEY:
        try:
            return f"{money_parse(value):,}"
        except InvalidValue:
            return str(value)
    if kind == CustomFieldType.CHOICE:
        return definition.choice_label(str(value))
    if kind == CustomFieldType.MULTICHOICE and isinstance(value, list):
        return ", ".join(definition.choice_label(str(v)) for v in value)
    if kind == CustomFieldType.BOOLEAN:
        return str(_("Yes") if value else _("No"))
    return str(value)
