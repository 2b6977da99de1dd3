"""The rule language: every operator, nesting, and strict validation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from dangol.catalog.tests.factories import CategoryFactory, ProductFactory
from dangol.customers.models import Customer, CustomerScore
from dangol.customers.tests.factories import CustomerFactory, CustomerGroupFactory
from dangol.marketing.errors import SegmentRuleError
from dangol.marketing.models import CampaignMember, Unsubscribe
from dangol.marketing.segments.rules import FIELDS, rule_validate
from dangol.marketing.segments.selectors import rule_customers
from dangol.marketing.tests.factories import CampaignFactory
from dangol.sales.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


def ids(rule) -> set[int]:
    return set(rule_customers(rule=rule).values_list("pk", flat=True))


@pytest.fixture
def people():
    """Five customers with distinct attributes and scores."""
    today = timezone.localdate()
    wholesale = CustomerGroupFactory(code="wholesale", name="Wholesale")
    a = CustomerFactory(
        name="A",
        region="seoul",
        gender="female",
        status="customer",
        consent_email=True,
        acquisition_channel="online",
        birth_date=today.replace(year=today.year - 25),
    )
    b = CustomerFactory(
        name="B",
        region="busan",
        gender="male",
        status="lead",
        consent_sms=True,
        acquisition_channel="store",
        birth_date=today.replace(year=today.year - 45),
        customer_group=wholesale,
    )
    c = CustomerFactory(
        name="C",
        region="jeju",
        kind="company",
        status="churned",
        consent_email=True,
        acquisition_channel="partner",
    )
    d = CustomerFactory(
        name="D",
        region="seoul",
        gender="male",
        status="customer",
        birth_date=today.replace(year=today.year - 65) - dt.timedelta(days=1),
    )
    e = CustomerFactory(name="E", region="", status="prospect")
    CustomerScore.objects.create(
        customer=a,
        value_tier="top",
        rfm_segment="champions",
        clv=Decimal("500.00"),
        churn_probability=0.1,
        response_probability=0.30,
    )
    CustomerScore.objects.create(
        customer=b,
        value_tier="middle",
        rfm_segment="at_risk",
        clv=Decimal("100.00"),
        churn_probability=0.6,
        response_probability=0.05,
    )
    CustomerScore.objects.create(
        customer=c,
        value_tier="bottom",
        rfm_segment="lost",
        clv=Decimal("10.00"),
        churn_probability=0.9,
    )
    return {"a": a.pk, "b": b.pk, "c": c.pk, "d": d.pk, "e": e.pk}  # fmt: skip


def cond(field, op, value=None):
    node = {"field": field, "op": op}
    if value is not None:
        node["value"] = value
    return node


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (cond("region", "eq", "seoul"), "ad"),
        (cond("region", "ne", "seoul"), "bce"),
        (cond("region", "in", ["busan", "jeju"]), "bc"),
        (cond("region", "not_in", ["seoul", ""]), "bc"),
        (cond("kind", "eq", "company"), "c"),
        (cond("gender", "in", ["male"]), "bd"),
        (cond("status", "eq", "churned"), "c"),
        (cond("acquisition_channel", "in", ["online", "store"]), "ab"),
        (cond("customer_group", "eq", "wholesale"), "b"),
        (cond("customer_group", "ne", "wholesale"), "acde"),
        (cond("age_band", "eq", "20s"), "a"),
        (cond("age_band", "in", ["40s", "60_plus"]), "bd"),
        (cond("age_band", "not_in", ["20s"]), "bd"),  # unknown birth dates are in no band
        (cond("consent_email", "is", True), "ac"),
        (cond("consent_email", "is", False), "bde"),
        (cond("consent_sms", "is", True), "b"),
        (cond("value_tier", "eq", "top"), "a"),
        (cond("value_tier", "ne", "top"), "bc"),  # unscored customers are not "not top"
        (cond("value_tier", "in", ["top", "bottom"]), "ac"),
        (cond("value_tier", "not_in", ["top", "bottom"]), "b"),
        (cond("rfm_segment", "eq", "at_risk"), "b"),
        (cond("clv", "gt", 100), "a"),
        (cond("clv", "gte", 100), "ab"),
        (cond("clv", "lt", 100), "c"),
        (cond("clv", "lte", "100.00"), "bc"),
        (cond("clv", "eq", 10), "c"),
        (cond("clv", "ne", 10), "ab"),
        (cond("clv", "between", [50, 600]), "ab"),
        (cond("churn_probability", "gte", 0.6), "bc"),
        (cond("response_probability", "is_set"), "ab"),
        (cond("response_probability", "is_not_set"), "c"),  # scored, no prediction
    ],
)
def test_each_operator_selects_exactly(people, rule, expected):
    assert ids(rule) == {people[x] for x in expected}


def test_and_or_not_nest(people):
    rule = {
        "or": [
            {"and": [cond("region", "eq", "seoul"), {"not": cond("value_tier", "eq", "top")}]},
            {"and": [cond("consent_sms", "is", True), cond("clv", "gte", 50)]},
            {"not": {"or": [cond("region", "in", ["seoul", "busan", "jeju"]),
                            cond("status", "eq", "lead")]}},
        ]
    }  # fmt: skip
    assert ids(rule) == {people["d"], people["b"], people["e"]}
    assert ids({"not": rule}) == {people["a"], people["c"]}


def test_behaviour_purchases_and_campaigns(people):
    now = timezone.now()
    dairy = CategoryFactory(name="Dairy", path="Dairy")
    milk = CategoryFactory(name="Milk", parent=dairy, path="Dairy > Milk", depth=1)
    dairyfree = CategoryFactory(name="Dairy-free", path="Dairy-free")
    recent = OrderFactory(
        customer=Customer.objects.get(pk=people["a"]), ordered_at=now - dt.timedelta(days=10)
    )
    OrderLineFactory(order=recent, product=ProductFactory(category=milk))
    old = OrderFactory(
        customer=Customer.objects.get(pk=people["b"]), ordered_at=now - dt.timedelta(days=200)
    )
    OrderLineFactory(order=old, product=ProductFactory(category=dairy))
    cancelled = OrderFactory(
        customer=Customer.objects.get(pk=people["c"]),
        ordered_at=now - dt.timedelta(days=5),
        status="cancelled",
    )
    OrderLineFactory(order=cancelled, product=ProductFactory(category=dairy))
    other = OrderFactory(
        customer=Customer.objects.get(pk=people["d"]), ordered_at=now - dt.timedelta(days=5)
    )
    OrderLineFactory(order=other, product=ProductFactory(category=dairyfree))

    def bought(days, category=None, op="within_days"):
        value = {"days": days} | ({"category": category.pk} if category else {})
        return cond("purchased_category" if category else "purchased", op, value)

    assert ids(bought(30, dairy)) == {people["a"]}  # a subcategory counts, a cancelled not
    assert ids(bought(365, dairy)) == {people["a"], people["b"]}
    assert ids(bought(30, milk)) == {people["a"]}
    assert ids(bought(30, dairyfree)) == {people["d"]}  # "Dairy-free" is not under "Dairy"
    assert ids(bought(30)) == {people["a"], people["d"]}
    assert ids(bought(30, op="not_within_days")) == {people["b"], people["c"], people["e"]}

    campaign = CampaignFactory()
    CampaignMember.objects.create(
        campaign=campaign,
        customer_id=people["a"],
        arm="treatment",
        status="sent",
        sent_at=now,
        opened_at=now,
        clicked_at=now,
    )
    CampaignMember.objects.create(
        campaign=campaign,
        customer_id=people["b"],
        arm="treatment",
        status="sent",
        sent_at=now,
        opened_at=now,
    )
    CampaignMember.objects.create(campaign=campaign, customer_id=people["c"], arm="control")
    assert ids(cond("campaign_member", "is", campaign.pk)) == {people[x] for x in "abc"}
    assert ids(cond("campaign_contacted", "is", campaign.pk)) == {people[x] for x in "ab"}
    assert ids(cond("campaign_opened", "is", campaign.pk)) == {people[x] for x in "ab"}
    assert ids(cond("campaign_clicked", "is", campaign.pk)) == {people["a"]}
    assert ids(cond("campaign_clicked", "is_not", campaign.pk)) == {people[x] for x in "bcde"}
    assert ids(cond("campaign_converted", "is", campaign.pk)) == set()

    Unsubscribe.objects.create(customer_id=people["e"], source="test")
    assert ids(cond("unsubscribed", "is", True)) == {people["e"]}
    assert people["e"] not in ids(cond("unsubscribed", "is", False))


def test_compiles_to_one_query(people, django_assert_num_queries):
    rule = {"and": [cond("region", "eq", "seoul"), cond("value_tier", "ne", "bottom"),
                    cond("purchased", "not_within_days", {"days": 90})]}  # fmt: skip
    qs = rule_customers(rule=rule)
    with django_assert_num_queries(1):
        assert qs.count() == 1  # d is unscored, so not "not bottom"


@pytest.mark.parametrize(
    ("rule", "path", "named"),
    [
        (cond("nope", "eq", "x"), "rule.field", "nope"),
        (
            {"and": [cond("region", "eq", "seoul"), cond("regoin", "eq", "x")]},
            "rule.and[1].field",
            "regoin",
        ),
        ({"or": [{"not": cond("region", "like", "se%")}]}, "rule.or[0].not.op", "like"),
        (cond("region", "eq", "mars"), "rule.value", "mars"),
        (cond("region", "in", "seoul"), "rule.value", "region"),
        (cond("region", "in", []), "rule.value", "region"),
        (cond("clv", "gt", "lots"), "rule.value", "clv"),
        (cond("clv", "gt", True), "rule.value", "clv"),
        (cond("clv", "between", [5, 1]), "rule.value", "clv"),
        (cond("consent_email", "is", "yes"), "rule.value", "consent_email"),
        (cond("purchased", "within_days", {"days": 0}), "rule.value", "days"),
        (cond("purchased", "within_days", {"days": 5, "category": 1}), "rule.value", "category"),
        (
            cond("purchased_category", "within_days", {"days": 5, "category": 999999}),
            "rule.value",
            "999999",
        ),
        (cond("campaign_opened", "is", 424242), "rule.value", "424242"),
        (cond("visited_page", "within_days", {"days": 5}), "rule.value", "page"),
        ({"field": "region", "op": "eq"}, "rule.value", "region"),
        ({"field": "region", "op": "eq", "value": "seoul", "extra": 1}, "rule", "extra"),
        ({"and": []}, "rule", "and"),
        ({"and": [cond("region", "eq", "seoul")], "or": []}, "rule", "or"),
        ({"xor": []}, "rule", "xor"),
        ([], "rule", "object"),
    ],
)
def test_bad_rules_are_refused_naming_the_culprit(rule, path, named):
    with pytest.raises(SegmentRuleError) as info:
        rule_validate(rule)
    assert info.value.field == path
    assert named in info.value.message


def test_depth_and_size_are_bounded():
    deep = cond("region", "eq", "seoul")
    for _ in range(9):
        deep = {"not": deep}
    with pytest.raises(SegmentRuleError, match="deeper"):
        rule_validate(deep)
    wide = {"or": [cond("region", "eq", "seoul")] * 51}
    with pytest.raises(SegmentRuleError, match="at most 50"):
        rule_validate(wide)


def test_every_field_but_the_unavailable_has_a_compiler():
    for spec in FIELDS.values():
        assert (spec.compile is None) == bool(spec.unavailable), spec.name
