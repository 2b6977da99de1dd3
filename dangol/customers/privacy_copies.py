"""Copies of an erased person's identifying strings in free text elsewhere: redact them.

Erasure (``privacy.customer_erase``) clears the person's own fields and the text of
their own records. Other tables keep copies made when something happened: a
notification "Ticket #12 from Hong Gildong is late", an automation run's result, a
webhook delivery's payload, a background job's parameters, the history's snapshots, a
message on another ticket. Those rows have no foreign key to the person, so they are
found by content: every row whose text contains one of the person's strings (name,
e-mail, phone, phone digits, external id; at least ``MIN_NEEDLE`` characters, so a
short name does not redact unrelated words) has each occurrence replaced by
``[redacted]``. One scan per table (all its fields and strings in one condition), which
an erasure (rare, an administrator's act) can afford; see ``copies_redact``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.apps import apps
from django.db.models import ExpressionWrapper, F, Lookup, Q, TextField
from django.db.models.functions import Cast

REDACTED = "[redacted]"
MIN_NEEDLE = 3

# (model, field, holds JSON): free text that may hold a copy of a person's details.
COPY_FIELDS: list[tuple[str, str, bool]] = [
    ("accounts.Notification", "text", False),
    ("automation.RuleRun", "result", True),
    ("automation.RuleRun", "error", False),
    ("integration.WebhookDelivery", "payload", True),
    ("integration.WebhookDelivery", "last_error", False),
    ("integration.WebhookAttempt", "error", False),
    ("core.Job", "params", True),
    ("core.Job", "result", True),
    ("core.Job", "error", False),
    ("core.AuditEntry", "snapshot", True),
    ("core.AuditEntry", "changes", True),
    ("core.AuditEntry", "note", False),
    ("touchpoints.Interaction", "subject", False),
    ("touchpoints.Interaction", "body", False),
    ("service.Ticket", "subject", False),
    ("service.TicketMessage", "body", False),
    ("sales.Opportunity", "name", False),
    ("sales.Opportunity", "outcome_note", False),
    ("sales.Task", "note", False),
]


def person_needles(*values: str | None) -> list[str]:
    """Return the distinct strings that identify a person, longest first."""
    needles = {" ".join(str(v).split()) for v in values if v}
    return sorted((n for n in needles if len(n) >= MIN_NEEDLE), key=len, reverse=True)


def _pattern(needles: list[str]) -> re.Pattern:
    return re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)


def _redact(value: Any, pattern: re.Pattern) -> Any:
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, dict):
        return {key: _redact(item, pattern) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item, pattern) for item in value]
    return value


def _variants(needles: list[str]) -> list[str]:
    """Return each needle and, if different, how JSON text stores it (``\\uXXXX``)."""
    out: list[str] = []
    for needle in needles:
        out.append(needle)
        escaped = json.dumps(needle)[1:-1]  # how SQLite's JSON text stores non-ASCII
        if escaped != needle:
            out.append(escaped)
    return out


class CopyText(TextField):
    """A column read as text for the copy scan (``Cast`` of JSON, or the column itself)."""


@CopyText.register_lookup
class ContainsAnyFolded(Lookup):
    """``column`` contains one of the strings, ignoring case: one pass over the value.

    PostgreSQL: ``LOWER(column) LIKE ANY (patterns)``, the value lowered once per row
    (Django's ``icontains`` upper-cases it once per string: ``UPPER(x) LIKE UPPER(p)``
    repeated). SQLite: its ``LIKE`` already ignores ASCII case; one ``LIKE`` per string.
    """

    lookup_name = "contains_any_folded"
    prepare_rhs = False  # a list of strings, used as given

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            patterns = ["%" + _like_escape(n.lower()) + "%" for n in self.rhs]
            return f"LOWER({lhs}) LIKE ANY (%s)", [*lhs_params, patterns]
        parts, params = [], []
        for needle in self.rhs:
            parts.append(f"{lhs} LIKE %s ESCAPE '\\'")
            params += [*lhs_params, "%" + _like_escape(needle) + "%"]
        return "(" + " OR ".join(parts) + ")", params


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _tables() -> dict[str, list[tuple[str, bool]]]:
    """Return ``COPY_FIELDS`` grouped by table, in order."""
    grouped: dict[str, list[tuple[str, bool]]] = {}
    for label, field, is_json in COPY_FIELDS:
        grouped.setdefault(label, []).append((field, is_json))
    return grouped


def copies_redact(*, needles: list[str]) -> dict[str, int]:
    """Redact ``needles`` wherever ``COPY_FIELDS`` hold them; return rows changed per table.

    One scan per table, all its fields and strings in one condition (each value lowered
    once on PostgreSQL), instead of a scan per field with an upper-casing per string:
    the same rows are found (``docs/performance.md``, "Erasure copies").
    """
    if not needles:
        return {}
    pattern = _pattern(needles)
    variants = _variants(needles)
    changed: dict[str, int] = {}
    for label, fields in _tables().items():
        model = apps.get_model(label)
        condition = Q()
        texts = {}
        for index, (field, is_json) in enumerate(fields):
            # JSON is read as its text; a text column as it is (a CAST would copy it).
            texts[f"_copy{index}"] = (
                Cast(field, CopyText()) if is_json else ExpressionWrapper(F(field), CopyText())
            )
            condition |= Q(**{f"_copy{index}__contains_any_folded": variants})
        names = [field for field, _ in fields]
        rows = model._default_manager.annotate(**texts).filter(condition)
        for pk, *values in rows.values_list("pk", *names).iterator():
            updates = {}
            for name, value in zip(names, values, strict=True):
                redacted = _redact(value, pattern)
                if redacted != value:
                    updates[name] = redacted
            if updates:
                model._default_manager.filter(pk=pk).update(**updates)
                changed[label] = changed.get(label, 0) + 1
    return changed
