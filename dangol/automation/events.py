"""The one entry point other apps call after a write: ``automation_event``.

No Django signals: the writing service says what happened, once its transaction has
committed (``automation_event_on_commit`` registers that), and a background task
evaluates the matching rules. A write made by a rule's action carries the chain of
firings that led to it (a context variable set while actions run), so the next event
knows its ancestry and loops can be stopped.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Model

# The firings that led to the write being made now: [[rule id, entity, record id], ...].
CURRENT_CHAIN: contextvars.ContextVar[tuple] = contextvars.ContextVar(
    "automation_chain", default=()
)
EVENTS = ("created", "updated", "inbound_message")
CUSTOM_FIELDS = "custom_fields"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def changes_payload(changes: dict | None) -> dict | None:
    """Return ``changes`` as JSON, each changed custom field also as ``cf_<key>``.

    A write of ``custom_fields`` reports the whole object; rules name one field
    (``field_changed`` on ``cf_level``), so each key whose value differs is added as its
    own ``[old, new]`` pair (a key absent on one side is ``None`` there).
    """
    if not changes:
        return None
    payload: dict[str, Any] = {}
    for name, pair in changes.items():
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            payload[name] = _jsonable(pair)
            continue
        old, new = pair
        payload[name] = [_jsonable(old), _jsonable(new)]
        if name == CUSTOM_FIELDS and isinstance(new, dict) and isinstance(old, (dict, type(None))):
            old = old or {}
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    payload[f"cf_{key}"] = [_jsonable(old.get(key)), _jsonable(new.get(key))]
    return payload


def _listening(entity: str, event: str) -> bool:
    from dangol.automation.models import Rule
    from dangol.automation.triggers import EVENT_TRIGGERS

    return Rule.objects.filter(
        active=True, entity=entity, trigger__in=EVENT_TRIGGERS.get(event, ())
    ).exists()


def automation_event(
    *,
    entity: str,
    record_id: int,
    event: str,
    changes: dict | None = None,
    key: str | None = None,
    chain: list | tuple = (),
) -> bool:
    """Evaluate the active rules on ``entity`` for ``event`` in the background.

    Call after commit. ``changes`` is ``{field: [old, new]}`` for updates; ``key`` names
    the event uniquely and stably (``v7`` for the update to version 7, the message id of
    an inbound message); a retried task reuses it, so each rule fires once per event.
    Return whether a task was enqueued (not when no active rule could answer).
    """
    from dangol.automation.tasks import automation_event_task
    from dangol.core.tasks import task_enqueue

    if not _listening(entity, event):
        return False
    task_enqueue(
        automation_event_task,
        entity=entity,
        record_id=int(record_id),
        event=event,
        changes=changes_payload(changes),
        key=key or uuid.uuid4().hex,
        chain=[list(link) for link in chain],
    )
    return True


def automation_event_on_commit(
    *,
    entity: str,
    record_id: int,
    event: str,
    changes: dict | None = None,
    key: str | None = None,
) -> None:
    """Register ``automation_event`` to run when the current transaction commits.

    The one line a writing service adds. Values are captured now (the chain of the
    rule running, if any), so later changes to the objects do not leak into the event.
    Nothing is registered while no active rule could answer (one indexed probe), so a
    system without rules pays no after-commit work.
    """
    if not _listening(entity, event):
        return
    chain = CURRENT_CHAIN.get()
    payload = changes_payload(changes)
    transaction.on_commit(
        lambda: automation_event(
            entity=entity,
            record_id=record_id,
            event=event,
            changes=payload,
            key=key,
            chain=chain,
        ),
        robust=True,
    )
