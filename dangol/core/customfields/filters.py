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
from django.utils.translation import pgettext_lazy

from dangol.core.customfields.models import CustomFieldType
from dangol.core.customfields.registry import safe_key
from dangol.core.customfields.selectors import custom_field_definitions
from dangol.core.customfields.validation import InvalidValue, record_id_parse, value_clean

PREFIX = "cf_"
RANGE_TYPES = (CustomFieldType.NUMBER, CustomFieldType.MONEY, CustomFieldType.DATE)
ANY = ("", _("All"))


def _range_field(definition, label: str) -> forms.Field:
    """Return a typed bound of a range, so a word in a number range is reported."""
    if definition.field_type == CustomFieldType.DATE:
        return forms.DateField(
            label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
    places = 2 if definition.field_type == CustomFieldType.MONEY else 6
    return forms.DecimalField(label=label, required=False, max_digits=20, decimal_places=places)


def _user_choices() -> list[tuple[str, str]]:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True).order_by("username")
    return [(str(u.pk), str(u)) for u in users]


def custom_filter_fields(
    *, entity: str, definitions: list | None = None, strict: bool = False
) -> dict[str, forms.Field]:
    """Return the list's filter fields for ``entity``'s filterable custom fields.

    Choice, multiple choice and yes/no fields filter by one value; text by a contained
    word; number, money and date by a range (``cf_<key>_min``, ``cf_<key>_max``).

    :param definitions: the entity's active definitions when the caller has read them
        (one read for the columns, the filters and the condition).
    :param strict: typed fields, so a bad value (a word in a number range, an unknown
        choice) is a form error naming the field; also a user field filters by one of the
        active users and a customer field by a customer number. The customer list keeps
        the lenient form (its invalid values are ignored quietly).
    """
    if definitions is None:
        definitions = custom_field_definitions(entity=entity)
    fields: dict[str, forms.Field] = {}
    users: list | None = None
    for d in definitions:
        if not d.filterable:
            continue
        label = d.display_label
        name = PREFIX + d.key
        if strict and d.field_type in RANGE_TYPES:
            for end, word in (
                ("min", pgettext_lazy("range", "from")),
                ("max", pgettext_lazy("range", "to")),
            ):
                fields[f"{name}_{end}"] = _range_field(d, f"{label} ({word})")
        elif strict and d.field_type == CustomFieldType.USER:
            users = _user_choices() if users is None else users  # one query for all
            fields[name] = forms.ChoiceField(label=label, required=False, choices=[ANY, *users])
        elif strict and d.field_type == CustomFieldType.CUSTOMER:
            fields[name] = forms.IntegerField(
                label=f"{label} ({_('customer number')})", required=False, min_value=1
            )
        elif d.field_type in (CustomFieldType.CHOICE, CustomFieldType.MULTICHOICE):
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
            for end, word in (
                ("min", pgettext_lazy("range", "from")),
                ("max", pgettext_lazy("range", "to")),
            ):
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


def form_values(form: forms.Form) -> dict[str, Any]:
    """Return a filter form's cleaned values, ``None`` for each invalid one.

    A list shows what it can: an invalid filter is reported (``form.errors``) and left
    out, the others still apply.
    """
    form.is_valid()
    data = {name: form.cleaned_data.get(name) for name in form.fields}
    for name in form.errors:
        data[name] = None
    return data


def custom_filter_q(
    *, entity: str, values: dict[str, Any], definitions: list | None = None
) -> Q | None:
    """Return the condition of the set custom filters (None when none is usable).

    A value that does not fit its field (a word in a number range) is ignored, like the
    list's other invalid filter values. User and customer ids are compared as given (the
    strict form checked them as numbers); an id nobody has matches nothing.
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
            if kind in (CustomFieldType.USER, CustomFieldType.CUSTOMER):
                value = record_id_parse(raw)  # no existence query: a stranger's id finds nothing
            else:
                value = value_clean(definition, raw)
        except InvalidValue:
            continue
        lookup = {"min": "__gte", "max": "__lte"}.get(end, "") if kind in RANGE_TYPES else ""
        q &= Q(**{f"{path}{lookup}": value})
        used = True
    return q if used else None
