"""Triggers: their settings, which events they answer, and the set-based sweeps.

Event triggers (``created``, ``updated``, ``field_changed``, ``inbound_message``) answer
``automation_event`` calls the owning apps' services make after commit. The others are
found by sweeps, each one query over the records:

- ``date_reached``: ``{"date_field", "days", "direction": "after"|"before"}``, e.g. 30
  days after the last order. A record fires on the day its target date arrives, or on a
  later sweep within ``CATCH_UP_DAYS`` if the worker was down; the trigger key is the
  target date, so it fires once per date (a new order makes a new date).
- ``score_crossed``: ``{"field", "op", "value"}`` over a score of the segment language
  (``churn_probability`` > 0.7). ``RuleMatch`` holds the customers past the threshold;
  a customer entering that set has crossed (key ``crossed:<match id>``), one leaving it
  is dropped so a later crossing fires again. Switching a rule on records who is past
  the threshold already without firing: only crossings from then on count.
- ``schedule``: ``{"every": "daily"|"weekly", "weekday": 0-6, "at": "HH:MM"}`` (local
  time); every record meeting the conditions, once per day it is due (key
  ``schedule:<date>``).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangol.automation.choices import Entity, Trigger
from dangol.automation.errors import AutomationErrorCode, ValidationError

CATCH_UP_DAYS = 7
MAX_DAYS = 3650
# date_field -> (model lookup or the "last_order" annotation, is a DateField)
DATE_FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    Entity.CUSTOMER: {"created_at": ("created_at", False), "last_order": ("last_order", False)},
    Entity.OPPORTUNITY: {
        "created_at": ("created_at", False),
        "expected_close": ("expected_close", True),
    },
    Entity.TICKET: {
        "opened_at": ("opened_at", False),
        "resolution_due": ("resolution_due", False),
    },
    Entity.ORDER: {"ordered_at": ("ordered_at", False)},
}
SCORE_FIELDS = ("churn_probability", "clv", "response_probability")
SCORE_OPS = ("gt", "gte", "lt", "lte")
# Which triggers answer which event.
EVENT_TRIGGERS = {
    "created": (Trigger.CREATED,),
    "updated": (Trigger.UPDATED, Trigger.FIELD_CHANGED),
    "inbound_message": (Trigger.INBOUND_MESSAGE,),
}
SWEPT = (Trigger.DATE_REACHED, Trigger.SCORE_CROSSED, Trigger.SCHEDULE)


def _err(message: str, key: str) -> ValidationError:
    return ValidationError(
        message, code=AutomationErrorCode.INVALID_TRIGGER, field=f"trigger_config.{key}"
    )


def _int(config: dict, key: str, low: int, high: int, default: int | None = None) -> int:
    value = config.get(key, default)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _err(
            _("“%(key)s” must be a whole number from %(low)s to %(high)s.")
            % {"key": key, "low": low, "high": high},
            key,
        )
    return value


def trigger_validate(*, entity: str, trigger: str, config: Any) -> dict:
    """Return the trigger's settings checked and normalised.

    :raises ValidationError: ``field`` is ``trigger`` or ``trigger_config.<key>``.
    """
    if trigger not in Trigger.values:
        raise ValidationError(
            _("Unknown trigger “%(t)s”; allowed: %(allowed)s.")
            % {"t": trigger, "allowed": ", ".join(Trigger.values)},
            code=AutomationErrorCode.INVALID_TRIGGER,
            field="trigger",
        )
    config = config or {}
    if not isinstance(config, dict):
        raise _err(_("The trigger settings must be an object."), "")
    if trigger in (Trigger.CREATED, Trigger.UPDATED):
        fields = config.get("fields") or []
        if trigger == Trigger.UPDATED and fields:
            if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
                raise _err(_("“fields” must be a list of field names."), "fields")
            return {"fields": fields}
        return {}
    if trigger == Trigger.FIELD_CHANGED:
        field = config.get("field")
        if not isinstance(field, str) or not field.strip():
            raise _err(_("Say which field's change fires the rule."), "field")
        out: dict[str, Any] = {"field": field.strip()}
        for key in ("from", "to"):
            value = config.get(key)
            if value not in (None, ""):
                if isinstance(value, (dict, list)):
                    raise _err(_("“%(key)s” must be a single value.") % {"key": key}, key)
                out[key] = str(value)
        return out
    if trigger == Trigger.DATE_REACHED:
        fields = DATE_FIELDS[entity]
        date_field = config.get("date_field")
        if date_field not in fields:
            raise _err(
                _("Unknown date “%(f)s”; allowed: %(allowed)s.")
                % {"f": date_field, "allowed": ", ".join(fields)},
                "date_field",
            )
        direction = config.get("direction", "after")
        if direction not in ("after", "before"):
            raise _err(_("“direction” must be “after” or “before”."), "direction")
        return {
            "date_field": date_field,
            "days": _int(config, "days", 0, MAX_DAYS),
            "direction": direction,
        }
    if trigger == Trigger.SCORE_CROSSED:
        if entity != Entity.CUSTOMER:
            raise _err(_("Scores belong to customers: use a customer rule."), "field")
        field = config.get("field")
        if field not in SCORE_FIELDS:
            raise _err(
                _("Unknown score “%(f)s”; allowed: %(allowed)s.")
                % {"f": field, "allowed": ", ".join(SCORE_FIELDS)},
                "field",
            )
        op = config.get("op")
        if op not in SCORE_OPS:
            raise _err(
                _("“op” must be one of %(allowed)s.") % {"allowed": ", ".join(SCORE_OPS)}, "op"
            )
        value = config.get("value")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise _err(_("“value” must be a number."), "value") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise _err(_("“value” must be a number."), "value")
        return {"field": field, "op": op, "value": value}
    if trigger == Trigger.INBOUND_MESSAGE:
        if entity != Entity.TICKET:
            raise _err(_("Inbound messages arrive on tickets: use a ticket rule."), "")
        return {}
    every = config.get("every", "daily")
    if every not in ("daily", "weekly"):
        raise _err(_("“every” must be “daily” or “weekly”."), "every")
    at = config.get("at", "08:00")
    try:
        dt.time.fromisoformat(str(at))
    except ValueError:
        raise _err(_("“at” must be a time as HH:MM."), "at") from None
    out = {"every": every, "at": str(at)[:5]}
    if every == "weekly":
        out["weekday"] = _int(config, "weekday", 0, 6, 0)
    return out


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):  # a multiple-choice field: its values as exports write them
        return ",".join(_as_text(v) for v in value)
    return str(value)


_NUMERAL = re.compile(r"-?\d+\.\d+")


def _same(value: Any, wanted: str) -> bool:
    """Return whether ``value`` is ``wanted`` as text, numbers by value ("2000.00" = 2000)."""
    if _as_text(value) == wanted:
        return True
    numeric = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
    # Amounts travel as text ("250.00", a Decimal made JSON): compare those by value too.
    if numeric or (isinstance(value, str) and _NUMERAL.fullmatch(value)):
        try:
            return Decimal(str(value)) == Decimal(wanted)
        except (InvalidOperation, ValueError):
            return False
    return False


def trigger_matches_event(*, rule, event: str, changes: dict | None) -> bool:
    """Return whether ``rule``'s trigger answers ``event`` with these ``changes``.

    ``changes`` is ``{field: [old, new]}`` (a changed custom field also as
    ``cf_<key>``); ``old`` is None where the value was unset, so a ``from`` condition
    does not match a first value.
    """
    if rule.trigger not in EVENT_TRIGGERS.get(event, ()):
        return False
    config = rule.trigger_config or {}
    if rule.trigger == Trigger.UPDATED:
        wanted = config.get("fields")
        return not wanted or changes is None or bool(set(wanted) & set(changes))
    if rule.trigger == Trigger.FIELD_CHANGED:
        pair = (changes or {}).get(config["field"])
        if pair is None:
            return False
        old, new = pair
        if _as_text(old) == _as_text(new) and old is not None:
            return False
        if "from" in config and (old is None or not _same(old, config["from"])):
            return False
        return not ("to" in config and not _same(new, config["to"]))
    return True


# --------------------------------------------------------------------------------------
# Sweeps


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def date_candidates(*, rule, records: QuerySet, today: dt.date) -> list[tuple[int, dt.date]]:
    """Return ``(record id, target date)`` for records whose date is due (one query).

    Due: the target date (the record's date plus or minus ``days``) is today or up to
    ``CATCH_UP_DAYS`` - 1 days ago.
    """
    config = rule.trigger_config
    lookup, is_date = DATE_FIELDS[rule.entity][config["date_field"]]
    shift = dt.timedelta(days=config["days"])
    if config["direction"] == "before":
        shift = -shift
    # target = date + shift, so date = target - shift, with target in (today - catch-up, today].
    high = today - shift
    low = high - dt.timedelta(days=CATCH_UP_DAYS - 1)
    if lookup == "last_order":
        from dangol.marketing.segments.rules import PURCHASE_EXCLUDED_STATUSES

        orders = Q(orders__deleted_at__isnull=True) & ~Q(
            orders__status__in=PURCHASE_EXCLUDED_STATUSES
        )
        records = records.annotate(last_order=Max("orders__ordered_at", filter=orders))
    if is_date:
        window = Q(**{f"{lookup}__gte": low, f"{lookup}__lte": high})
    else:
        window = Q(
            **{
                f"{lookup}__gte": _day_start(low),
                f"{lookup}__lt": _day_start(high + dt.timedelta(1)),
            }
        )
    rows = records.filter(window).values_list("pk", lookup)
    out = []
    for pk, value in rows:
        day = value if is_date else timezone.localtime(value).date()
        out.append((pk, day + shift))
    return out


def date_reached_for(*, rule, record, today: dt.date) -> dt.date | None:
    """Return the record's target date if it is due today (the dry run's answer)."""
    from dangol.automation.conditions import entity_model

    model = entity_model(rule.entity)
    found = date_candidates(rule=rule, records=model.objects.filter(pk=record.pk), today=today)
    return found[0][1] if found else None


def score_condition(rule) -> dict:
    """Return the score threshold as a condition of the segment language."""
    config = rule.trigger_config
    return {"field": config["field"], "op": config["op"], "value": config["value"]}


def schedule_due(*, rule, now: dt.datetime) -> str | None:
    """Return the schedule's trigger key if the rule is due at ``now`` (else None)."""
    config = rule.trigger_config
    local = timezone.localtime(now)
    if config.get("every") == "weekly" and local.weekday() != config.get("weekday", 0):
        return None
    if local.time() < dt.time.fromisoformat(config.get("at", "08:00")):
        return None
    return f"schedule:{local.date().isoformat()}"
