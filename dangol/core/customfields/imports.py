"""Custom fields in imports and exports: ``cf_<key>`` columns, checked column-wise.

The rules are ``validation.py``'s, applied to whole pandas columns (one operation per
rule, one query per referenced table), so that a million-row import stays set-based.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dangol.core.customfields.models import CustomFieldDefinition, CustomFieldType
from dangol.core.customfields.selectors import custom_field_definitions
from dangol.core.customfields.validation import (
    FALSE_WORDS,
    TEXT_MAX,
    TRUE_WORDS,
    InvalidValue,
    money_parse,
)

PREFIX = "cf_"
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_AMOUNT = r"^-?\d{1,12}(\.\d{1,2})?$"
_NUMBER = r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$"

# ``add(mask, column, values, reason)``: how the importer collects rejected cells.
AddReject = Callable[[pd.Series, str, pd.Series, str], None]


def table_cell(value: Any) -> Any:
    """Return a validated import table's cell as a plain Python value (None if missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


@dataclass
class CustomColumns:
    """What the ``cf_`` columns of a file hold."""

    json: pd.Series | None  # per row: a JSON object of the non-empty values, or None
    unknown: list[str]  # cf_ columns naming no active field


def column_name(definition: CustomFieldDefinition) -> str:
    """Return the import/export column of ``definition``."""
    return f"{PREFIX}{definition.key}"


def export_text(definition: CustomFieldDefinition, value: Any) -> str:
    """Return a stored value as an export cell that imports back to the same value."""
    if value is None or value == "" or value == []:
        return ""
    kind = definition.field_type
    if kind == CustomFieldType.MONEY:
        try:
            return str(money_parse(value))
        except InvalidValue:
            return str(value)
    if kind == CustomFieldType.BOOLEAN:
        return "true" if value else "false"
    if kind == CustomFieldType.MULTICHOICE and isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def export_columns(entity: str) -> tuple[list[str], Callable[[dict | None], list[str]]]:
    """Return the ``cf_`` headers of ``entity``'s active fields and a row-to-cells function."""
    definitions = custom_field_definitions(entity=entity)

    def cells(values: dict | None) -> list[str]:
        values = values or {}
        return [export_text(d, values.get(d.key)) for d in definitions]

    return [column_name(d) for d in definitions], cells


def _choice_map(definition: CustomFieldDefinition) -> dict[str, str]:
    """Return every accepted spelling (lower case: value, labels) of each choice's value."""
    out: dict[str, str] = {}
    for choice in definition.choices or []:
        for word in (choice.get("label_ko"), choice.get("label"), choice["value"]):
            if word:
                out[str(word).strip().lower()] = choice["value"]
    return out


def _existing_ids(kind: str, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    if kind == CustomFieldType.USER:
        from dangol.accounts.models import User

        qs = User.objects.filter(is_active=True)
    else:
        from dangol.customers.models import Customer

        qs = Customer._base_manager.filter(deleted_at__isnull=True)
    found: set[int] = set()
    for start in range(0, len(ids), 5000):
        found.update(qs.filter(pk__in=ids[start : start + 5000]).values_list("pk", flat=True))
    return found


def _encode(definition: CustomFieldDefinition, raw: pd.Series, add: AddReject) -> pd.Series:
    """Return JSON text of each good, non-empty cell (None elsewhere); reject bad cells."""
    column = column_name(definition)
    text = raw.fillna("").astype(str).str.strip()
    filled = text != ""
    label = definition.display_label
    if definition.required:
        add(~filled, column, raw, f"{label}: required value is empty")

    def reject(mask: pd.Series, reason: str) -> pd.Series:
        add(mask, column, raw, f"{label}: {reason}")
        return mask

    kind = definition.field_type
    if kind == CustomFieldType.TEXT:
        bad = reject(
            filled & text.str.contains(_CONTROL, regex=True), "contains a control character"
        )
        bad |= reject(text.str.len() > TEXT_MAX, f"is longer than {TEXT_MAX} characters")
        encoded = text.map(json.dumps)
    elif kind in (CustomFieldType.NUMBER, CustomFieldType.MONEY):
        plain = text.str.replace(r"[,\s₩원]", "", regex=True)
        pattern = _AMOUNT if kind == CustomFieldType.MONEY else _NUMBER
        bad = reject(
            filled & ~plain.str.match(pattern),
            "not a number"
            if kind == CustomFieldType.NUMBER
            else "not an amount (at most two decimal places)",
        )
        numbers = pd.to_numeric(plain.where(filled & ~bad), errors="coerce")
        whole = numbers.notna() & (numbers == numbers.round()) & (numbers.abs() < 2**53)
        if kind == CustomFieldType.MONEY:
            encoded = numbers.map(lambda v: repr(float(v)) if pd.notna(v) else None)
        else:
            encoded = numbers.map(lambda v: repr(float(v)) if pd.notna(v) else None).where(
                ~whole, numbers.map(lambda v: str(int(v)) if pd.notna(v) else None)
            )
    elif kind == CustomFieldType.DATE:
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        bad = reject(
            filled & (parsed.isna() | ~text.str.match(r"^\d{4}-\d{2}-\d{2}$")),
            "not a date (YYYY-MM-DD)",
        )
        encoded = ('"' + parsed.dt.strftime("%Y-%m-%d") + '"').astype(object)
    elif kind == CustomFieldType.CHOICE:
        mapped = text.str.lower().map(_choice_map(definition))
        allowed = ", ".join(definition.choice_values)
        bad = reject(filled & mapped.isna(), f"not one of: {allowed}")
        encoded = mapped.map(lambda v: json.dumps(v) if isinstance(v, str) else None)
    elif kind == CustomFieldType.MULTICHOICE:
        choices = _choice_map(definition)
        parts = text[filled].str.split(",").explode().str.strip().str.lower()
        parts = parts[parts != ""]
        mapped_parts = parts.map(choices)
        bad_rows = set(mapped_parts[mapped_parts.isna()].index)
        allowed = ", ".join(definition.choice_values)
        bad = reject(
            pd.Series(text.index.isin(list(bad_rows)), index=text.index),
            f"not a list of: {allowed}",
        )
        good_parts = mapped_parts.dropna()
        lists = good_parts.groupby(level=0).agg(lambda s: list(dict.fromkeys(s)))
        encoded = pd.Series(None, index=text.index, dtype=object)
        encoded.loc[lists.index] = lists.map(json.dumps)
    elif kind == CustomFieldType.BOOLEAN:
        mapped = text.str.lower().map(
            {**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}
        )
        bad = reject(filled & mapped.isna(), "not a yes/no value")
        encoded = mapped.map(lambda v: ("true" if v else "false") if isinstance(v, bool) else None)
    else:  # user, customer: ids, checked with one query per distinct set
        numeric = text.str.fullmatch(r"\d{1,18}")
        bad = reject(filled & ~numeric, "not an id")
        ids = pd.to_numeric(text.where(filled & numeric), errors="coerce")
        known = _existing_ids(kind, sorted({int(v) for v in ids.dropna().unique()}))
        missing = ids.notna() & ~ids.isin(list(known))
        what = "active staff user" if kind == CustomFieldType.USER else "customer"
        bad |= reject(missing, f"no {what} has this id")
        encoded = ids.map(lambda v: str(int(v)) if pd.notna(v) else None)
    return encoded.where(filled & ~bad, None)


def custom_columns_clean(*, entity: str, frame: pd.DataFrame, add: AddReject) -> CustomColumns:
    """Check the ``cf_<key>`` columns of ``frame`` against ``entity``'s active fields.

    :returns: per row the JSON object of its non-empty values (an empty cell leaves the
        stored value alone), and the ``cf_`` columns that name no active field.
    """
    names = [str(c) for c in frame.columns if str(c).startswith(PREFIX)]
    if not names:
        return CustomColumns(json=None, unknown=[])
    by_column = {column_name(d): d for d in custom_field_definitions(entity=entity)}
    unknown = [n for n in names if n not in by_column]
    if unknown:
        return CustomColumns(json=None, unknown=unknown)
    body = pd.Series("", index=frame.index, dtype=object)
    for name in names:
        definition = by_column[name]
        encoded = _encode(definition, frame[name], add)
        pair = json.dumps(definition.key) + ":" + encoded
        has = encoded.notna()
        sep = body.where(body == "", body + ",")
        body = body.where(~has, sep + pair)
    return CustomColumns(json="{" + body + "}", unknown=[])
