"""Segment conditions over customer custom fields (``cf_<key>``), compiled to JSON lookups.

The fields come from the custom-field definitions at validation time, so a field an
administrator adds is usable in segments at once. Each condition is one Django JSON
lookup on ``Customer.custom_fields`` (``custom_fields__<key>...``): set-based SQL on
SQLite (``json_extract``) and PostgreSQL (``->``, ``@>``). The key comes from the
definitions table and is a validated slug, never from the rule text.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from dangol.core.customfields.models import CustomFieldType
from dangol.core.customfields.registry import safe_key
from dangol.core.customfields.selectors import custom_field_definitions
from dangol.marketing.segments.rules import (
    BOOL_OPS,
    CHOICE_OPS,
    MAX_LIST,
    NUMBER_OPS,
    FieldSpec,
    _bool_value,
    _choice_values,
    _err,
    _number_values,
)

PREFIX = "cf_"
TEXT_OPS = ("eq", "ne", "in", "not_in", "contains", "is_set", "is_not_set")
MULTI_OPS = ("contains", "in", "is_set", "is_not_set")
DATE_OPS = ("eq", "lt", "lte", "gt", "gte", "between", "is_set", "is_not_set")


def _text_value(spec: FieldSpec, op: str, value: Any, path: str) -> Any:
    if op in ("is_set", "is_not_set"):
        return None
    return _choice_values(spec, op, value, path)


def _multi_value(spec: FieldSpec, op: str, value: Any, path: str) -> Any:
    if op in ("is_set", "is_not_set"):
        return None
    return _choice_values(spec, "in" if op == "in" else "eq", value, path)


def _date_value(spec: FieldSpec, op: str, value: Any, path: str) -> Any:
    if op in ("is_set", "is_not_set"):
        return None

    def one(v: Any) -> str:
        try:
            return dt.date.fromisoformat(v).isoformat()
        except (TypeError, ValueError) as exc:
            raise _err(
                _("“%(field)s” takes a date (YYYY-MM-DD).") % {"field": spec.name}, path
            ) from exc

    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise _err(
                _("“between” on “%(field)s” takes [low, high].") % {"field": spec.name}, path
            )
        return [one(value[0]), one(value[1])]
    return one(value)


VALUE_CHECKS = {
    "cf_text": _text_value,
    "cf_choice": _text_value,
    "cf_multichoice": _multi_value,
    "cf_number": _number_values,
    "cf_date": _date_value,
    "cf_bool": _bool_value,
}


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def _compiler(key: str, kind: str):
    path = f"custom_fields__{safe_key(key)}"
    has = Q(custom_fields__has_key=key)

    def compile_(op: str, value: Any) -> Q:
        value = _json(value)
        if op == "is_set":
            return has
        if op == "is_not_set":
            return ~has
        if kind == "cf_multichoice":
            values = value if isinstance(value, list) else [value]
            q = Q()
            for i, one in enumerate(values):
                if connection.vendor == "postgresql":
                    part = Q(**{f"{path}__contains": [one]})  # jsonb @>: exact membership
                else:
                    # json_extract gives the list as JSON text; a quoted value is an
                    # element (SQLite's LIKE ignores ASCII case either way).
                    part = Q(**{f"{path}__icontains": json.dumps(one)})
                q = part if i == 0 else q | part
            return q
        if op == "eq" or op == "is":
            return Q(**{path: value})
        if op == "ne":
            return has & ~Q(**{path: value})
        if op == "in":
            return Q(**{f"{path}__in": value})
        if op == "not_in":
            return has & ~Q(**{f"{path}__in": value})
        if op == "contains":
            return Q(**{f"{path}__icontains": value})
        if op in ("lt", "lte", "gt", "gte"):
            return Q(**{f"{path}__{op}": value})
        if op == "between":
            return Q(**{f"{path}__gte": value[0], f"{path}__lte": value[1]})
        raise AssertionError(op)

    return compile_


# The builder's input for each kind (free text, a choice list, a number box, yes/no).
BUILDER_INPUT = {
    "cf_text": "choice",
    "cf_choice": "choice",
    "cf_multichoice": "choice",
    "cf_number": "number",
    "cf_date": "number",
    "cf_bool": "bool",
}
_KINDS = {
    CustomFieldType.TEXT: ("cf_text", TEXT_OPS),
    CustomFieldType.CHOICE: ("cf_choice", CHOICE_OPS),
    CustomFieldType.MULTICHOICE: ("cf_multichoice", MULTI_OPS),
    CustomFieldType.NUMBER: ("cf_number", NUMBER_OPS),
    CustomFieldType.MONEY: ("cf_number", NUMBER_OPS),
    CustomFieldType.DATE: ("cf_date", DATE_OPS),
    CustomFieldType.BOOLEAN: ("cf_bool", BOOL_OPS),
}


def custom_field_specs() -> dict[str, FieldSpec]:
    """Return a rule field per active customer custom field of a type segments can use."""
    specs: dict[str, FieldSpec] = {}
    for definition in custom_field_definitions(entity="customer"):
        if definition.field_type not in _KINDS:
            continue  # user and customer references: not a segment attribute
        kind, ops = _KINDS[definition.field_type]
        choices = None
        if definition.field_type in (CustomFieldType.CHOICE, CustomFieldType.MULTICHOICE):
            choices = (lambda d: lambda: [(c["value"], c["label"]) for c in d.choices])(definition)
        specs[PREFIX + definition.key] = FieldSpec(
            PREFIX + definition.key,
            definition.display_label,
            "custom",
            kind,
            ops,
            _compiler(definition.key, kind),
            choices,
            extra={"max_list": MAX_LIST, "input": BUILDER_INPUT[kind]},
        )
    return specs
