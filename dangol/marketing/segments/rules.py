"""The segment rule language: a JSON tree compiled to one set-based query.

A rule is a tree of nodes:

- ``{"and": [node, ...]}``, ``{"or": [node, ...]}``: all / any of the children (at least one);
- ``{"not": node}``: the complement;
- a condition ``{"field": "region", "op": "in", "value": ["seoul", "busan"]}``.

Each field is declared once in ``FIELDS`` with its operators and a compiler that turns a
validated value into a Django ``Q`` over ``customers.Customer``. The whole tree becomes
one ``Q`` (behaviour conditions are ``id IN (subquery)`` semi-joins), so a segment of any
shape is one SQL statement, counted or snapshotted by the database without loading rows.

Validation is strict: an unknown field, operator or value raises ``SegmentRuleError``
whose ``field`` is the JSON path of the culprit (``rule.and[1].field``) and whose message
names it. Adding a field means adding one ``FieldSpec``; a field whose data does not exist
yet is declared with ``unavailable`` and is refused with that reason. ``visited_page``
reads the web-analytics store (DuckDB): its customer ids come back in one query and join
as one parameter (see ``sources.customers_visited_page_condition``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from dangol.marketing.errors import MarketingErrorCode, SegmentRuleError
from dangol.marketing.segments.sources import (
    category_path_get,
    customer_group_choices,
    customers_purchased_subquery,
    customers_visited_page_condition,
)

# How deep a tree may nest and how many conditions it may hold: bounds the SQL size.
MAX_DEPTH = 8
MAX_CONDITIONS = 50
MAX_LIST = 500
MAX_DAYS = 3660

AGE_BANDS = {
    "under_20": (None, 20),
    "20s": (20, 30),
    "30s": (30, 40),
    "40s": (40, 50),
    "50s": (50, 60),
    "60_plus": (60, None),
}

# Orders that count as purchases for behaviour rules.
PURCHASE_EXCLUDED_STATUSES = ("cancelled", "returned")


@dataclass(frozen=True)
class FieldSpec:
    """One field of the rule language."""

    name: str
    label: Any
    group: str  # attribute, score, behaviour
    kind: str  # choice, number, bool, purchase, campaign
    operators: tuple[str, ...]
    compile: Callable[[str, Any], Q] | None = None
    # Valid values of a choice field (None: any non-empty string up to 100 characters).
    choices: Callable[[], list[tuple[str, str]]] | None = None
    unavailable: str = ""
    extra: dict = field(default_factory=dict)


def _err(message: str, path: str) -> SegmentRuleError:
    return SegmentRuleError(message, code=MarketingErrorCode.INVALID_RULE, field=path)


# --------------------------------------------------------------------------------------
# Value checks per kind


def _choice_values(spec: FieldSpec, op: str, value: Any, path: str) -> Any:
    allowed = {str(v) for v, _label in spec.choices()} if spec.choices else None

    def one(v: Any) -> str:
        if not isinstance(v, str) or len(v) > 100:
            raise _err(_("“%(field)s” takes text values.") % {"field": spec.name}, path)
        if allowed is not None and v not in allowed:
            raise _err(
                _("“%(value)s” is not a value of “%(field)s”; allowed: %(allowed)s.")
                % {
                    "value": v,
                    "field": spec.name,
                    "allowed": ", ".join(sorted(a or '""' for a in allowed)),
                },
                path,
            )
        return v

    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value or len(value) > MAX_LIST:
            raise _err(
                _("“%(op)s” on “%(field)s” takes a list of 1 to %(max)s values.")
                % {"op": op, "field": spec.name, "max": MAX_LIST},
                path,
            )
        return [one(v) for v in value]
    return one(value)


def _number(value: Any, spec: FieldSpec, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _err(_("“%(field)s” takes a number.") % {"field": spec.name}, path)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise _err(_("“%(field)s” takes a number.") % {"field": spec.name}, path) from exc
    if not number.is_finite():
        raise _err(_("“%(field)s” takes a finite number.") % {"field": spec.name}, path)
    return number


def _number_values(spec: FieldSpec, op: str, value: Any, path: str) -> Any:
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise _err(
                _("“between” on “%(field)s” takes [low, high].") % {"field": spec.name}, path
            )
        low, high = (_number(v, spec, path) for v in value)
        if low > high:
            raise _err(
                _("“between” on “%(field)s”: the low end is above the high end.")
                % {"field": spec.name},
                path,
            )
        return [low, high]
    if op in ("is_set", "is_not_set"):
        return None
    return _number(value, spec, path)


def _bool_value(spec: FieldSpec, op: str, value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _err(_("“%(field)s” takes true or false.") % {"field": spec.name}, path)
    return value


def _positive_int(value: Any, name: str, path: str, *, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise _err(
            _("“%(name)s” must be a whole number from 1 to %(max)s.")
            % {"name": name, "max": maximum},
            path,
        )
    return value


def _purchase_value(spec: FieldSpec, op: str, value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise _err(
            _("“%(field)s” takes an object such as %(example)s.")
            % {"field": spec.name, "example": spec.extra["example"]},
            path,
        )
    allowed = {"days", "category"} if spec.extra.get("category") else {"days"}
    unknown = set(value) - allowed
    if unknown:
        raise _err(
            _("Unknown key “%(key)s” in “%(field)s”; allowed: %(allowed)s.")
            % {
                "key": sorted(unknown)[0],
                "field": spec.name,
                "allowed": ", ".join(sorted(allowed)),
            },
            path,
        )
    days = _positive_int(value.get("days"), "days", path, maximum=MAX_DAYS)
    out = {"days": days}
    if spec.extra.get("category"):
        category = _positive_int(value.get("category"), "category", path, maximum=2**62)
        category_path = category_path_get(category_id=category)
        if category_path is None:
            raise _err(_("There is no product category with id %(id)s.") % {"id": category}, path)
        out["category"] = category
        out["path"] = category_path
    return out


def _campaign_value(spec: FieldSpec, op: str, value: Any, path: str) -> int:
    campaign_id = _positive_int(value, "campaign", path, maximum=2**62)
    from dangol.marketing.models import Campaign

    if not Campaign.objects.filter(pk=campaign_id).exists():
        raise _err(_("There is no campaign with id %(id)s.") % {"id": campaign_id}, path)
    return campaign_id


def _page_value(spec: FieldSpec, op: str, value: Any, path: str) -> dict:
    example = '{"page": "/products/", "match": "prefix", "days": 30}'
    if not isinstance(value, dict):
        raise _err(
            _("“%(field)s” takes an object such as %(example)s.")
            % {"field": spec.name, "example": example},
            path,
        )
    unknown = set(value) - {"page", "match", "days"}
    if unknown:
        raise _err(
            _("Unknown key “%(key)s” in “%(field)s”; allowed: days, match, page.")
            % {"key": sorted(map(str, unknown))[0], "field": spec.name},
            path,
        )
    page = value.get("page")
    if (
        not isinstance(page, str)
        or not page.startswith("/")
        or len(page) > 500
        or not page.isprintable()
        or any(c.isspace() or c in "?#" for c in page)
    ):
        raise _err(
            _("“page” must be a page path starting with “/”, without spaces, query or “#”."),
            path,
        )
    match = value.get("match", "exact")
    if match not in ("exact", "prefix"):
        raise _err(_("“match” must be “exact” or “prefix”."), path)
    days = _positive_int(value.get("days"), "days", path, maximum=MAX_DAYS)
    return {"page": page, "match": match, "days": days}


VALUE_CHECKS = {
    "choice": _choice_values,
    "number": _number_values,
    "bool": _bool_value,
    "purchase": _purchase_value,
    "campaign": _campaign_value,
    "page": _page_value,
}

# --------------------------------------------------------------------------------------
# Compilers


def semi_join(rows: QuerySet, column: str) -> Q:
    """Return "the customer has a row in ``rows``" (``column`` holds the customer id).

    PostgreSQL gets ``EXISTS``: negated it is an anti-join, whereas ``NOT IN (subquery)``
    must allow for NULLs and, once the subquery outgrows ``work_mem``, is re-run per
    customer (a plan costed at 8e9 at 1M customers). SQLite gets ``IN (subquery)``: it
    builds the subquery's set once, where a correlated ``EXISTS`` probes per customer.
    """
    if connection.vendor == "postgresql":
        return Q(Exists(rows.filter(**{column: OuterRef("pk")})))
    return Q(pk__in=rows.values(column))


def _compare(lookup: str) -> Callable[[str, Any], Q]:
    """Return the compiler of a plain column (choice or number) addressed by ``lookup``."""

    def compile_(op: str, value: Any) -> Q:
        if op == "eq":
            return Q(**{lookup: value})
        if op == "ne":
            return ~Q(**{lookup: value})
        if op == "in":
            return Q(**{f"{lookup}__in": value})
        if op == "not_in":
            return ~Q(**{f"{lookup}__in": value})
        if op in ("lt", "lte", "gt", "gte"):
            return Q(**{f"{lookup}__{op}": value})
        if op == "between":
            return Q(**{f"{lookup}__gte": value[0], f"{lookup}__lte": value[1]})
        if op == "is_set":
            return Q(**{f"{lookup}__isnull": False})
        if op == "is_not_set":
            return Q(**{f"{lookup}__isnull": True})
        raise AssertionError(op)

    return compile_


def _score(lookup: str) -> Callable[[str, Any], Q]:
    """Compile a score condition as a semi-join on ``CustomerScore``.

    A semi-join rather than ``score__x`` keeps NOT exact (a customer without a score row
    is simply not in the set) and lets the database hash the score table once.
    """
    inner = _compare(lookup)

    def compile_(op: str, value: Any) -> Q:
        from dangol.customers.models import CustomerScore

        if op in ("ne", "not_in"):
            # "not top" means scored and not top; unscored customers are unknown, not "not top".
            positive = inner("eq" if op == "ne" else "in", value)
            rows = CustomerScore.objects.exclude(positive)
        else:
            rows = CustomerScore.objects.filter(inner(op, value))
        return semi_join(rows, "customer_id")

    return compile_


def _group(op: str, value: Any) -> Q:
    return _compare("customer_group__code")(op, value)


def _age_band(op: str, value: Any) -> Q:
    today = timezone.localdate()

    def band(code: str) -> Q:
        youngest, oldest = AGE_BANDS[code]
        q = Q(birth_date__isnull=False)
        if youngest is not None:  # at least ``youngest`` years old: born on or before
            q &= Q(birth_date__lte=_years_before(today, youngest))
        if oldest is not None:  # younger than ``oldest``: born after
            q &= Q(birth_date__gt=_years_before(today, oldest))
        return q

    codes = value if isinstance(value, list) else [value]
    combined = band(codes[0])
    for code in codes[1:]:
        combined |= band(code)
    return ~combined & Q(birth_date__isnull=False) if op in ("ne", "not_in") else combined


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _consent(channel: str) -> Callable[[str, Any], Q]:
    def compile_(op: str, value: bool) -> Q:
        return Q(**{f"consent_{channel}": value})

    return compile_


def _unsubscribed(op: str, value: bool) -> Q:
    from dangol.marketing.models import Unsubscribe

    q = semi_join(Unsubscribe.objects.all(), "customer_id")
    return q if value else ~q


def _purchased(*, with_category: bool) -> Callable[[str, Any], Q]:
    def compile_(op: str, value: dict) -> Q:
        since = timezone.now() - dt.timedelta(days=value["days"])
        rows, column = customers_purchased_subquery(
            since=since,
            category_path=value.get("path") if with_category else None,
            excluded_statuses=PURCHASE_EXCLUDED_STATUSES,
        )
        q = semi_join(rows, column)
        return q if op == "within_days" else ~q

    return compile_


def _campaign_event(column: str | None) -> Callable[[str, Any], Q]:
    def compile_(op: str, campaign_id: int) -> Q:
        from dangol.marketing.models import CampaignMember

        members = CampaignMember.objects.filter(campaign_id=campaign_id)
        if column is not None:
            members = members.filter(**{f"{column}__isnull": False})
        q = semi_join(members, "customer_id")
        return q if op == "is" else ~q

    return compile_


def _visited_page(op: str, value: dict) -> Q:
    since = timezone.now() - dt.timedelta(days=value["days"])
    q = customers_visited_page_condition(
        path=value["page"], prefix=value["match"] == "prefix", since=since
    )
    return q if op == "within_days" else ~q


# --------------------------------------------------------------------------------------
# The fields


def _choices_of(enum_path: str) -> Callable[[], list[tuple[str, str]]]:
    def get() -> list[tuple[str, str]]:
        import importlib

        module, name = enum_path.rsplit(".", 1)
        return list(getattr(importlib.import_module(module), name).choices)

    return get


def _group_choices() -> list[tuple[str, str]]:
    return customer_group_choices()


def _age_choices() -> list[tuple[str, str]]:
    return [(code, code.replace("_", " ")) for code in AGE_BANDS]


CHOICE_OPS = ("eq", "ne", "in", "not_in")
NUMBER_OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "between", "is_set", "is_not_set")
BOOL_OPS = ("is",)
PURCHASE_OPS = ("within_days", "not_within_days")
CAMPAIGN_OPS = ("is", "is_not")
C = "dangol.customers.choices."


def _build_fields() -> dict[str, FieldSpec]:
    f = [
        FieldSpec("kind", _l("Kind"), "attribute", "choice", CHOICE_OPS, _compare("kind"),
                  _choices_of(C + "CustomerKind")),
        FieldSpec("gender", _l("Gender"), "attribute", "choice", CHOICE_OPS, _compare("gender"),
                  _choices_of(C + "Gender")),
        FieldSpec("region", _l("Region"), "attribute", "choice", CHOICE_OPS, _compare("region"),
                  _choices_of(C + "Region")),
        FieldSpec("customer_group", _l("Customer group"), "attribute", "choice", CHOICE_OPS,
                  _group, _group_choices),
        FieldSpec("status", _l("Lifecycle status"), "attribute", "choice", CHOICE_OPS,
                  _compare("status"), _choices_of(C + "LifecycleStatus")),
        FieldSpec("acquisition_channel", _l("Acquisition channel"), "attribute", "choice",
                  CHOICE_OPS, _compare("acquisition_channel"),
                  _choices_of(C + "AcquisitionChannel")),
        FieldSpec("age_band", _l("Age band"), "attribute", "choice", CHOICE_OPS, _age_band,
                  _age_choices),
        FieldSpec("consent_email", _l("Email consent"), "attribute", "bool", BOOL_OPS,
                  _consent("email")),
        FieldSpec("consent_sms", _l("SMS consent"), "attribute", "bool", BOOL_OPS, _consent("sms")),
        FieldSpec("consent_phone", _l("Phone consent"), "attribute", "bool", BOOL_OPS,
                  _consent("phone")),
        FieldSpec("consent_post", _l("Post consent"), "attribute", "bool", BOOL_OPS,
                  _consent("post")),
        FieldSpec("unsubscribed", _l("Unsubscribed from all marketing"), "attribute", "bool",
                  BOOL_OPS, _unsubscribed),
        FieldSpec("value_tier", _l("Value tier"), "score", "choice", CHOICE_OPS,
                  _score("value_tier"), _choices_of(C + "ValueTier")),
        FieldSpec("rfm_segment", _l("RFM segment"), "score", "choice", CHOICE_OPS,
                  _score("rfm_segment")),
        FieldSpec("clv", _l("Lifetime value"), "score", "number", NUMBER_OPS, _score("clv")),
        FieldSpec("churn_probability", _l("Churn risk"), "score", "number", NUMBER_OPS,
                  _score("churn_probability")),
        FieldSpec("response_probability", _l("Predicted response"), "score", "number", NUMBER_OPS,
                  _score("response_probability")),
        FieldSpec("purchased", _l("Bought anything"), "behaviour", "purchase", PURCHASE_OPS,
                  _purchased(with_category=False), extra={"example": '{"days": 90}'}),
        FieldSpec("purchased_category", _l("Bought in category"), "behaviour", "purchase",
                  PURCHASE_OPS, _purchased(with_category=True),
                  extra={"category": True, "example": '{"category": 12, "days": 90}'}),
        FieldSpec("campaign_member", _l("Was in campaign"), "behaviour", "campaign", CAMPAIGN_OPS,
                  _campaign_event(None)),
        FieldSpec("campaign_contacted", _l("Was contacted by campaign"), "behaviour", "campaign",
                  CAMPAIGN_OPS, _campaign_event("sent_at")),
        FieldSpec("campaign_opened", _l("Opened campaign"), "behaviour", "campaign", CAMPAIGN_OPS,
                  _campaign_event("opened_at")),
        FieldSpec("campaign_clicked", _l("Clicked in campaign"), "behaviour", "campaign",
                  CAMPAIGN_OPS, _campaign_event("clicked_at")),
        FieldSpec("campaign_converted", _l("Bought after campaign"), "behaviour", "campaign",
                  CAMPAIGN_OPS, _campaign_event("converted_at")),
        FieldSpec("visited_page", _l("Visited page"), "behaviour", "page", PURCHASE_OPS,
                  _visited_page,
                  extra={"example": '{"page": "/products/", "match": "prefix", "days": 30}'}),
    ]  # fmt: skip
    return {spec.name: spec for spec in f}


FIELDS: dict[str, FieldSpec] = _build_fields()


# --------------------------------------------------------------------------------------
# Validation and compilation


@dataclass
class _Walk:
    conditions: int = 0


def rule_validate(rule: Any) -> dict:
    """Return ``rule`` normalised (values checked and coerced), or raise ``SegmentRuleError``.

    The error's ``field`` is the JSON path of the culprit, its message names the field,
    operator or key at fault.
    """
    walk = _Walk()
    return _validate(rule, "rule", 0, walk)


def _validate(node: Any, path: str, depth: int, walk: _Walk) -> dict:
    if depth > MAX_DEPTH:
        raise _err(_("The rule nests deeper than %(max)s levels.") % {"max": MAX_DEPTH}, path)
    if not isinstance(node, dict):
        raise _err(_("Each rule node must be an object."), path)
    for combinator in ("and", "or"):
        if combinator in node:
            if set(node) != {combinator}:
                raise _err(
                    _("“%(op)s” stands alone in its node; unexpected: %(keys)s.")
                    % {"op": combinator, "keys": ", ".join(sorted(set(node) - {combinator}))},
                    path,
                )
            children = node[combinator]
            if not isinstance(children, list) or not children:
                raise _err(
                    _("“%(op)s” takes a non-empty list of rules.") % {"op": combinator}, path
                )
            return {
                combinator: [
                    _validate(child, f"{path}.{combinator}[{i}]", depth + 1, walk)
                    for i, child in enumerate(children)
                ]
            }
    if "not" in node:
        if set(node) != {"not"}:
            raise _err(_("“not” stands alone in its node."), path)
        return {"not": _validate(node["not"], f"{path}.not", depth + 1, walk)}
    if "field" not in node:
        raise _err(
            _("A rule node is and/or/not or a condition with field, op and value; got: %(keys)s.")
            % {"keys": ", ".join(sorted(map(str, node))) or "{}"},
            path,
        )
    unexpected = set(node) - {"field", "op", "value"}
    if unexpected:
        raise _err(
            _("Unknown key “%(key)s” in a condition.") % {"key": sorted(map(str, unexpected))[0]},
            path,
        )
    walk.conditions += 1
    if walk.conditions > MAX_CONDITIONS:
        raise _err(_("A rule may hold at most %(max)s conditions.") % {"max": MAX_CONDITIONS}, path)
    name = node["field"]
    spec = field_spec(name) if isinstance(name, str) else None
    if spec is None:
        raise _err(
            _("Unknown field “%(field)s”; known fields: %(known)s.")
            % {"field": name, "known": ", ".join(FIELDS)},
            f"{path}.field",
        )
    if spec.unavailable:
        raise _err(
            _("The field “%(field)s” cannot be used yet: %(reason)s.")
            % {"field": name, "reason": spec.unavailable},
            f"{path}.field",
        )
    op = node.get("op")
    if op not in spec.operators:
        raise _err(
            _("Unknown operator “%(op)s” for field “%(field)s”; allowed: %(allowed)s.")
            % {"op": op, "field": name, "allowed": ", ".join(spec.operators)},
            f"{path}.op",
        )
    needs_value = op not in ("is_set", "is_not_set")
    if needs_value and "value" not in node:
        raise _err(
            _("The condition on “%(field)s” needs a value.") % {"field": name}, f"{path}.value"
        )
    value = value_check(spec)(spec, op, node.get("value"), f"{path}.value")
    out = {"field": name, "op": op}
    if needs_value:
        out["value"] = _jsonable(value)
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k != "path"}
    return value


def rule_compile(rule: Any) -> Q:
    """Return the ``Q`` over ``Customer`` that selects the customers ``rule`` describes.

    :raises SegmentRuleError: the rule is not valid (see ``rule_validate``).
    """
    walk = _Walk()
    _validate(rule, "rule", 0, walk)  # raise before compiling anything
    return _compile(rule, "rule")


def _compile(node: dict, path: str) -> Q:
    if "and" in node:
        q = Q()
        for i, child in enumerate(node["and"]):
            q &= _compile(child, f"{path}.and[{i}]")
        return q
    if "or" in node:
        q = _compile(node["or"][0], f"{path}.or[0]")
        for i, child in enumerate(node["or"][1:], start=1):
            q |= _compile(child, f"{path}.or[{i}]")
        return q
    if "not" in node:
        return ~_compile(node["not"], f"{path}.not")
    spec = field_spec(node["field"])
    value = value_check(spec)(spec, node["op"], node.get("value"), f"{path}.value")
    return spec.compile(node["op"], value)


def field_spec(name: str) -> FieldSpec | None:
    """Return the rule field ``name``: a built-in one, or ``cf_<key>`` of a custom field."""
    spec = FIELDS.get(name)
    if spec is None and name.startswith("cf_"):
        from dangol.marketing.segments.custom_fields import custom_field_specs

        spec = custom_field_specs().get(name)
    return spec


def value_check(spec: FieldSpec) -> Callable:
    """Return the value check of ``spec``'s kind (custom-field kinds included)."""
    if spec.kind in VALUE_CHECKS:
        return VALUE_CHECKS[spec.kind]
    from dangol.marketing.segments.custom_fields import VALUE_CHECKS as CUSTOM_CHECKS

    return CUSTOM_CHECKS[spec.kind]


def rule_fields() -> list[dict]:
    """Return the fields for a rule editor: name, label, group, operators, choices."""
    from dangol.marketing.segments.custom_fields import custom_field_specs

    out = []
    for spec in [*FIELDS.values(), *custom_field_specs().values()]:
        out.append(
            {
                "name": spec.name,
                "label": str(spec.label),
                "group": spec.group,
                "kind": spec.kind,
                "operators": list(spec.operators),
                "choices": [[v, str(label)] for v, label in spec.choices()]
                if spec.choices
                else None,
                "available": not spec.unavailable,
                "unavailable_reason": spec.unavailable,
            }
        )
    return out
