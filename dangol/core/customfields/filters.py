"""List filters over custom fields: form fields and the JSON lookups they compile to.

Each filter is one Django JSON lookup on ``custom_fields`` (``custom_fields__<key>``),
which compiles to ``json_extract`` on SQLite and ``->``/``@>`` on PostgreSQL. No filter
set means no extra SQL, so the default list keeps its plan and speed.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangol.core.customfields.models import CustomFieldType
from dangol.core.customfields.registry import safe_key
from dangol.core.customfields.selectors import custom_field_definitions
from dangol.core.customfields.validation import InvalidValue, value_clean

PREFIX = "cf_"
RANGE_TYPES = (CustomFieldType.NUMBER, CustomFieldType.MONEY, CustomFieldType.DATE)
ANY = ("", _("All"))


def custom_filter_fields(*, entity: str, definitions: list | None = None) -> dict[str, forms.Field]:
    """Return the list's filter fields for ``entity``'s filterable custom fields.

    Choice, multiple choice and yes/no fields filter by one value; text by a contained
    word; number, money and date by a range (``cf_<key>_min``, ``cf_<key>_max``).
    ``definitions``: the entity's active definitions if the caller already read them.
    """
    if definitions is None:
        definitions = custom_field_definitions(entity=entity)
    fields: dict[str, forms.Field] = {}
    for d in definitions:
        if not d.filterable:
            continue
        label = d.display_label
        name = PREFIX + d.key
        if d.field_type in (CustomFieldType.CHOICE, CustomFieldType.MULTICHOICE):
            choices = [(c["value"], d.choice_label(c["value"])) for c in d.choices]
            fields[name] = forms.ChoiceField(label=label, required=False, choices=[ANY, *choices])
        elif d.field_type == CustomFieldType.BOOLEAN:
            fields[name] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[ANY, ("true", _("Yes")), ("false", _("No"))],
            )
        elif d.field_type in RANGE_TYPES:
            widget = forms.DateInput(attrs={"type": "date"}) if d.field_type == "date" else None
            for end, word in (("min", _("from")), ("max", _("to"))):
                fields[f"{name}_{end}"] = forms.CharField(
                    label=f"{label} ({word})", required=False, max_length=40, widget=widget
                )
        elif d.field_type == CustomFieldType.TEXT:
            fields[name] = forms.CharField(label=label, required=False, max_length=100)
    return fields


def custom_filter_values(cleaned_data: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """Return the set custom filters of a form's cleaned data, as a hashable tuple."""
    return tuple(
        sorted(
            (name, value)
            for name, value in cleaned_data.items()
            if name.startswith(PREFIX) and value not in (None, "")
        )
    )


def custom_filter_q(
    *, entity: str, values: dict[str, Any], definitions: list | None = None
) -> Q | None:
    """Return the condition of the set custom filters (None when none is usable).

    A value that does not fit its field (a word in a number range) is ignored, like the
    list's other invalid filter values. ``definitions``: the entity's active definitions
    if the caller already read them.
    """
    if not values:
        return None
    if definitions is None:
        definitions = custom_field_definitions(entity=entity)
    by_key = {d.key: d for d in definitions if d.filterable}
    q = Q()
    used = False
    for name, raw in values.items():
        base, end = name[len(PREFIX) :], ""
        for suffix in ("_min", "_max"):
            if base.endswith(suffix) and base[: -len(suffix)] in by_key:
                base, end = base[: -len(suffix)], suffix[1:]
        definition = by_key.get(base)
        if definition is None:
            continue
        path = f"custom_fields__{safe_key(definition.key)}"
        kind = definition.field_type
        if kind == CustomFieldType.TEXT:
            q &= Q(**{f"{path}__icontains": str(raw)})
            used = True
            continue
        if kind == CustomFieldType.MULTICHOICE:
            if raw not in definition.choice_values:
                continue
            if connection.vendor == "postgresql":
                q &= Q(**{f"{path}__contains": [raw]})
            else:  # the list as JSON text: a quoted value is an element
                q &= Q(**{f"{path}__icontains": json.dumps(raw)})
            used = True
            continue
        try:
            value = value_clean(definition, raw)
        except InvalidValue:
            continue
        lookup = {"min": "__gte", "max": "__lte"}.get(end, "") if kind in RANGE_TYPES else ""
        q &= Q(**{f"{path}{lookup}": value})
        used = True
    return q if used else None
