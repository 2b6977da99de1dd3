"""Copies of an erased person's identifying strings in free text elsewhere: redact them.

Erasure (``privacy.customer_erase``) clears the person's own fields and the text of
their own records. Other tables keep copies made when something happened: a
notification "Ticket #12 from Hong Gildong is late", an automation run's result, a
webhook delivery's payload, a background job's parameters, the history's snapshots, a
message on another ticket. Those rows have no foreign key to the person, so they are
found by content: every row whose text contains one of the person's strings (name,
e-mail, phone, phone digits, external id; at least ``MIN_NEEDLE`` characters, so a
short name does not redact unrelated words) has each occurrence replaced by
``[redacted]``. One ``LIKE`` per table and string: a scan, which an erasure (rare, an
administrator's act) can afford.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.apps import apps
from django.db.models import Q, TextField
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


def _contains_any(column: str, needles: list[str]) -> Q:
    condition = Q()
    for needle in needles:
        condition |= Q(**{f"{column}__icontains": needle})
        escaped = json.dumps(needle)[1:-1]  # how SQLite's JSON text stores non-ASCII
        if escaped != needle:
            condition |= Q(**{f"{column}__icontains": escaped})
    return condition


def copies_redact(*, needles: list[str]) -> dict[str, int]:
    """Redact ``needles`` wherever ``COPY_FIELDS`` hold them; return rows changed per table."""
    if not needles:
        return {}
    pattern = _pattern(needles)
    changed: dict[str, int] = {}
    for label, field, is_json in COPY_FIELDS:
        model = apps.get_model(label)
        rows = model._default_manager.all()
        if is_json:
            rows = rows.annotate(_text=Cast(field, TextField())).filter(
                _contains_any("_text", needles)
            )
        else:
            rows = rows.filter(_contains_any(field, needles))
        for pk, value in rows.values_list("pk", field).iterator():
            redacted = _redact(value, pattern)
            if redacted != value:
                model._default_manager.filter(pk=pk).update(**{field: redacted})
                changed[label] = changed.get(label, 0) + 1
    return changed
