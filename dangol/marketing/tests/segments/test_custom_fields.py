"""Segment conditions over customer custom fields, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from dangol.core.customfields.services import custom_field_create
from dangol.customers.tests.factories import CustomerFactory
from dangol.marketing.errors import SegmentRuleError
from dangol.marketing.segments.builder import builder_parse, builder_view
from dangol.marketing.segments.rules import rule_fields, rule_validate
from dangol.marketing.segments.selectors import rule_customers

pytestmark = pytest.mark.django_db


def ids(rule) -> set[int]:
    return set(rule_customers(rule=rule).values_list("pk", flat=True))


def cond(field, op, value=None):
    node = {"field": field, "op": op}
    if value is not None:
        node["value"] = value
    return node


@pytest.fixture
def people(admin_user):
    choices = ["gold|Gold", "silver|Silver", "bronze|Bronze"]
    for key, kind, extra in [
        ("note", "text", {}),
        ("level", "choice", {"choices": choices}),
        ("tags", "multichoice", {"choices": choices}),
        ("visits", "number", {}),
        ("credit", "money", {}),
        ("joined", "date", {}),
        ("vip", "boolean", {}),
    ]:
        custom_field_create(
            actor=admin_user,
            entity="customer",
            key=key,
            label=key.title(),
            field_type=kind,
            **extra,
        )
    a = CustomerFactory(
        custom_fields={
            "note": "Likes Jazz",
            "level": "gold",
            "tags": ["gold", "silver"],
            "visits": 12,
            "credit": 100.5,
            "joined": "2024-01-10",
            "vip": True,
        }
    )
    b = CustomerFactory(
        custom_fields={
            "note": "rock",
            "level": "silver",
            "tags": ["silver"],
            "visits": 3,
            "credit": 20.0,
            "joined": "2025-06-01",
            "vip": False,
        }
    )
    c = CustomerFactory(custom_fields={})
    return {"a": a.pk, "b": b.pk, "c": c.pk}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (cond("cf_note", "eq", "rock"), "b"),
        (cond("cf_note", "contains", "jazz"), "a"),
        (cond("cf_note", "in", ["rock", "Likes Jazz"]), "ab"),
        (cond("cf_level", "eq", "gold"), "a"),
        (cond("cf_level", "ne", "gold"), "b"),
        (cond("cf_level", "in", ["silver", "bronze"]), "b"),
        (cond("cf_level", "not_in", ["silver"]), "a"),
        (cond("cf_tags", "contains", "silver"), "ab"),
        (cond("cf_tags", "contains", "gold"), "a"),
        (cond("cf_tags", "in", ["bronze", "gold"]), "a"),
        (cond("cf_visits", "gt", 5), "a"),
        (cond("cf_visits", "lte", 12), "ab"),
        (cond("cf_visits", "between", [1, 5]), "b"),
        (cond("cf_credit", "gte", "100.50"), "a"),
        (cond("cf_credit", "lt", 100.5), "b"),
        (cond("cf_joined", "lt", "2025-01-01"), "a"),
        (cond("cf_joined", "between", ["2025-01-01", "2025-12-31"]), "b"),
        (cond("cf_vip", "is", True), "a"),
        (cond("cf_vip", "is", False), "b"),
        (cond("cf_visits", "is_set"), "ab"),
        (cond("cf_visits", "is_not_set"), "c"),
        (
            {"and": [cond("cf_tags", "contains", "silver"), {"not": cond("cf_vip", "is", True)}]},
            "b",
        ),
    ],
)
def test_each_custom_condition_selects_exactly(people, rule, expected):
    assert ids(rule) == {people[x] for x in expected}


def test_custom_conditions_are_validated(people):
    with pytest.raises(SegmentRuleError) as caught:
        rule_validate(cond("cf_level", "eq", "platinum"))
    assert caught.value.field == "rule.value"
    with pytest.raises(SegmentRuleError):
        rule_validate(cond("cf_nope", "eq", "x"))
    with pytest.raises(SegmentRuleError):
        rule_validate(cond("cf_joined", "lt", "yesterday"))
    with pytest.raises(SegmentRuleError):
        rule_validate(cond("cf_vip", "contains", "x"))


def test_rule_editor_and_builder_offer_custom_fields(people):
    offered = {f["name"]: f for f in rule_fields()}
    assert offered["cf_level"]["choices"] == [
        ["gold", "Gold"],
        ["silver", "Silver"],
        ["bronze", "Bronze"],
    ]
    data = QueryDict(mutable=True)
    data.update({"r:type": "group", "r:op": "and", "r.0:type": "cond"})
    data.update({"r.0:field": "cf_visits", "r.0:op": "gt", "r.0:value": "5"})
    rule = builder_parse(data)
    assert rule_validate(rule) == {"and": [{"field": "cf_visits", "op": "gt", "value": 5}]}
    assert builder_view(rule)["children"][0]["kind"] == "number"
