"""Rule conditions: the segment rule language, for customers and for other records.

Customer rules use the segment language unchanged (``marketing/segments/rules.py``): the
same JSON, validated and compiled by the same code, evaluated as ``id = record AND
<segment query>`` so a rule and a segment with the same JSON select the same customers.

Opportunities, tickets and orders use the same shape (``and``/``or``/``not`` groups of
``{"field", "op", "value"}``) over their own fields (``ENTITY_FIELDS``), plus one extra
node, ``{"customer": <segment rule>}``: the record's customer is selected by that
segment rule. ``{}`` (no conditions) matches every record.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from dangol.automation.choices import Entity
from dangol.automation.errors import AutomationErrorCode, ValidationError

CHOICE_OPS = ("eq", "ne", "in", "not_in")
NUMBER_OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "is_set", "is_not_set")
MAX_DEPTH = 8
MAX_CONDITIONS = 50


@dataclass(frozen=True)
class RecordField:
    """A field of a non-customer record usable in conditions."""

    name: str
    lookup: str
    kind: str  # choice, number
    choices: str = ""  # dotted path of a TextChoices, or "" for free text


ENTITY_FIELDS: dict[str, dict[str, RecordField]] = {
    Entity.OPPORTUNITY: {
        f.name: f
        for f in (
            RecordField("stage", "stage__code", "choice"),
            RecordField("channel", "channel", "choice", "dangol.sales.choices.OpportunityChannel"),
            RecordField("amount", "amount", "number"),
            RecordField("owner", "owner_id", "number"),
        )
    },
    Entity.TICKET: {
        f.name: f
        for f in (
            RecordField("status", "status", "choice", "dangol.service.choices.TicketStatus"),
            RecordField("priority", "priority", "choice", "dangol.service.choices.TicketPriority"),
            RecordField("kind", "kind", "choice", "dangol.service.choices.TicketKind"),
            RecordField("channel", "channel", "choice", "dangol.service.choices.TicketChannel"),
            RecordField("assignee", "assignee_id", "number"),
        )
    },
    Entity.ORDER: {
        f.name: f
        for f in (
            RecordField("status", "status", "choice", "dangol.sales.choices.OrderStatus"),
            RecordField("channel", "channel", "choice", "dangol.sales.choices.SalesChannel"),
        )
    },
}


def _err(message: str, path: str) -> ValidationError:
    return ValidationError(message, code=AutomationErrorCode.INVALID_CONDITION, field=path)


def entity_model(entity: str):
    """Return the model class of ``entity``."""
    from dangol.customers.models import Customer
    from dangol.sales.models import Opportunity, Order
    from dangol.service.models import Ticket

    return {
        Entity.CUSTOMER: Customer,
        Entity.OPPORTUNITY: Opportunity,
        Entity.TICKET: Ticket,
        Entity.ORDER: Order,
    }[entity]


def _allowed_values(spec: RecordField) -> set[str] | None:
    if not spec.choices:
        return None
    from django.utils.module_loading import import_string

    return set(import_string(spec.choices).values)


def _value(spec: RecordField, op: str, value: Any, path: str) -> Any:
    if op in ("is_set", "is_not_set"):
        return None
    if spec.kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _err(_("“%(field)s” takes a number.") % {"field": spec.name}, path)
        try:
            number = Decimal(str(value))
        except InvalidOperation as exc:
            raise _err(_("“%(field)s” takes a number.") % {"field": spec.name}, path) from exc
        if not number.is_finite():
            raise _err(_("“%(field)s” takes a number.") % {"field": spec.name}, path)
        return int(number) if number == number.to_integral_value() else float(number)
    allowed = _allowed_values(spec)

    def one(v: Any) -> str:
        if not isinstance(v, str) or not v or len(v) > 100:
            raise _err(_("“%(field)s” takes text values.") % {"field": spec.name}, path)
        if allowed is not None and v not in allowed:
            raise _err(
                _("“%(value)s” is not a value of “%(field)s”; allowed: %(allowed)s.")
                % {"value": v, "field": spec.name, "allowed": ", ".join(sorted(allowed))},
                path,
            )
        return v

    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise _err(
                _("“%(op)s” on “%(field)s” takes a list of values.")
                % {"op": op, "field": spec.name},
                path,
            )
        return [one(v) for v in value]
    return one(value)


def _validate_node(entity: str, node: Any, path: str, depth: int, count: list[int]) -> dict:
    from dangol.marketing.errors import SegmentRuleError
    from dangol.marketing.segments.rules import rule_validate

    if depth > MAX_DEPTH:
        raise _err(_("The conditions nest deeper than %(n)s levels.") % {"n": MAX_DEPTH}, path)
    if not isinstance(node, dict) or (len(node) != 1 and "field" not in node):
        raise _err(_("A condition must be an object."), path)
    if "customer" in node:
        try:
            return {"customer": rule_validate(node["customer"])}
        except SegmentRuleError as exc:
            raise _err(exc.message, f"{path}.customer") from exc
    if "not" in node:
        return {"not": _validate_node(entity, node["not"], f"{path}.not", depth + 1, count)}
    for combinator in ("and", "or"):
        if combinator in node:
            children = node[combinator]
            if not isinstance(children, list) or not children:
                raise _err(_("“%(c)s” takes a list of conditions.") % {"c": combinator}, path)
            return {
                combinator: [
                    _validate_node(entity, child, f"{path}.{combinator}[{i}]", depth + 1, count)
                    for i, child in enumerate(children)
                ]
            }
    count[0] += 1
    if count[0] > MAX_CONDITIONS:
        raise _err(_("At most %(n)s conditions.") % {"n": MAX_CONDITIONS}, path)
    fields = ENTITY_FIELDS[entity]
    name = node.get("field")
    spec = fields.get(name) if isinstance(name, str) else None
    if spec is None:
        raise _err(
            _("Unknown field “%(field)s”; allowed: %(allowed)s.")
            % {"field": name, "allowed": ", ".join(sorted(fields))},
            f"{path}.field",
        )
    ops = NUMBER_OPS if spec.kind == "number" else CHOICE_OPS
    op = node.get("op")
    if op not in ops:
        raise _err(
            _("Unknown operator “%(op)s” for “%(field)s”; allowed: %(allowed)s.")
            % {"op": op, "field": name, "allowed": ", ".join(ops)},
            f"{path}.op",
        )
    out = {"field": name, "op": op}
    value = _value(spec, op, node.get("value"), f"{path}.value")
    if value is not None:
        out["value"] = value
    return out


def conditions_validate(*, entity: str, conditions: Any) -> dict:
    """Return ``conditions`` checked and normalised for ``entity``; ``{}`` means none.

    :raises ValidationError: ``field`` is the JSON path at fault (``conditions.and[0].op``).
    """
    if conditions in (None, {}, ""):
        return {}
    if entity == Entity.CUSTOMER:
        from dangol.marketing.errors import SegmentRuleError
        from dangol.marketing.segments.rules import rule_validate

        try:
            return rule_validate(conditions)
        except SegmentRuleError as exc:
            raise ValidationError(
                exc.message,
                code=AutomationErrorCode.INVALID_CONDITION,
                # The segment language names paths from "rule" ("rule.and[0].op").
                field="conditions" + (exc.field or "rule")[len("rule") :],
            ) from exc
    return _validate_node(entity, conditions, "conditions", 0, [0])


def _compile_node(entity: str, node: dict) -> Q:
    from dangol.customers.models import Customer
    from dangol.marketing.segments.rules import rule_compile

    if "customer" in node:
        live = Customer.objects.filter(deleted_at__isnull=True)
        return Q(customer__in=live.filter(rule_compile(node["customer"])).values("id"))
    if "not" in node:
        return ~_compile_node(entity, node["not"])
    if "and" in node:
        q = Q()
        for child in node["and"]:
            q &= _compile_node(entity, child)
        return q
    if "or" in node:
        q = Q(pk__in=[])
        for child in node["or"]:
            q |= _compile_node(entity, child)
        return q
    spec = ENTITY_FIELDS[entity][node["field"]]
    op, value = node["op"], node.get("value")
    lookup = spec.lookup
    if op == "eq":
        return Q(**{lookup: value})
    if op == "ne":
        return ~Q(**{lookup: value}) | Q(**{f"{lookup}__isnull": True})
    if op == "in":
        return Q(**{f"{lookup}__in": value})
    if op == "not_in":
        return ~Q(**{f"{lookup}__in": value}) | Q(**{f"{lookup}__isnull": True})
    if op == "is_set":
        return Q(**{f"{lookup}__isnull": False})
    if op == "is_not_set":
        return Q(**{f"{lookup}__isnull": True})
    return Q(**{f"{lookup}__{op}": value})


def conditions_compile(*, entity: str, conditions: dict) -> Q:
    """Return the ``Q`` over ``entity``'s model selecting the records ``conditions`` match."""
    if not conditions:
        return Q()
    if entity == Entity.CUSTOMER:
        from dangol.marketing.segments.rules import rule_compile

        return rule_compile(conditions)
    return _compile_node(entity, conditions)


def records_live(*, entity: str) -> QuerySet:
    """Return the records of ``entity`` automation may act on: none in the trash.

    A trashed record's own triggers do not fire, and neither do those of a ticket,
    opportunity or order whose customer is in the trash: a trashed customer gets no
    automated e-mail, task or segment membership (docs/automation.md, "The trash").
    One condition per table on the indexed ``deleted_at``; restoring brings them back.
    """
    model = entity_model(entity)
    qs = model.objects.all()
    if any(f.name == "deleted_at" for f in model._meta.fields):
        qs = qs.filter(deleted_at__isnull=True)
    if entity != Entity.CUSTOMER:
        qs = qs.filter(customer__deleted_at__isnull=True)
    return qs


def records_matching(*, entity: str, conditions: dict) -> QuerySet:
    """Return the live records of ``entity`` (``records_live``) meeting ``conditions``."""
    return records_live(entity=entity).filter(
        conditions_compile(entity=entity, conditions=conditions)
    )


def record_matches(*, entity: str, record_id: int, conditions: dict) -> bool:
    """Return whether one record meets ``conditions`` (the set query restricted to it)."""
    return records_matching(entity=entity, conditions=conditions).filter(pk=record_id).exists()


def condition_fields(entity: str) -> list[dict]:
    """Return the fields a condition on ``entity`` may name (for the builder and the docs)."""
    if entity == Entity.CUSTOMER:
        from dangol.marketing.segments.rules import rule_fields

        return rule_fields()
    return [
        {
            "name": f.name,
            "kind": f.kind,
            "operators": list(NUMBER_OPS if f.kind == "number" else CHOICE_OPS),
            "choices": sorted(_allowed_values(f) or []),
        }
        for f in ENTITY_FIELDS[entity].values()
    ]
