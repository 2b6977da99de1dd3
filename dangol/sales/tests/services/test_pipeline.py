"""Leads and opportunities: capture, duplicates, assignment, conversion, stage moves."""

import datetime as dt
from decimal import Decimal

import pytest

from dangol.accounts.roles import Role
from dangol.accounts.tests.factories import UserFactory
from dangol.core.errors import ConflictError, PermissionDeniedError, ValidationError
from dangol.customers.models import Customer
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.models import AssignmentRule, Lead, OpportunityStageChange, PipelineStage
from dangol.sales.pipeline_selectors import pipeline_board, pipeline_forecast
from dangol.sales.pipeline_services import (
    lead_capture,
    lead_convert,
    lead_status_set,
    opportunity_create,
    opportunity_move,
)

pytestmark = pytest.mark.django_db
CLOSE = dt.date(2026, 12, 15)


def stage(code):
    return PipelineStage.objects.get(code=code)


def test_capture_flags_a_duplicate_by_normalised_email_or_phone():
    existing = CustomerFactory(email="kim@example.test", phone="010-1234-5678")
    by_email = lead_capture(actor=None, source="web_form", name="Kim", email=" KIM@example.test ")
    by_phone = lead_capture(actor=None, source="web_form", name="Kim", phone="+82 10 1234 5678")
    fresh = lead_capture(actor=None, source="web_form", name="Lee", email="lee@example.test")
    assert (by_email.duplicate_of, by_phone.duplicate_of, fresh.duplicate_of) == (
        existing,
        existing,
        None,
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " "}, "name"),
        ({"email": "", "phone": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"source": "carrier-pigeon"}, "source"),
    ],
)
def test_bad_leads_are_rejected_naming_the_field(fields, field):
    values = {"source": "api", "name": "Kim", "email": "kim@example.test"} | fields
    with pytest.raises(ValidationError) as caught:
        lead_capture(actor=None, **values)
    assert caught.value.field == field
    assert not Lead.objects.exists()


def test_assignment_rules_match_region_then_round_robin(team):
    a = UserFactory(username="a", role=Role.SALES, team=team)
    b = UserFactory(username="b", role=Role.SALES, team=team)
    busan = UserFactory(username="busan", role=Role.SALES, team=team)
    rule = AssignmentRule.objects.create(position=1, name="Busan", region="busan")
    rule.users.set([busan])
    anyone = AssignmentRule.objects.create(position=2, name="Everyone else")
    anyone.users.set([a, b])
    owners = [
        lead_capture(actor=None, source="web_form", name=f"L{i}", email=f"l{i}@x.test").owner
        for i in range(3)
    ]
    from_busan = lead_capture(
        actor=None, source="web_form", name="B", email="b@x.test", region="busan"
    )
    assert [o.username for o in owners] == ["a", "b", "a"]
    assert from_busan.owner == busan


def test_a_salesperson_keeps_the_lead_they_enter(sales):
    lead = lead_capture(actor=sales, source="phone", name="Park", phone="010-2222-3333")
    assert lead.owner == sales


def test_conversion_creates_customer_and_opportunity_once(sales):
    lead = lead_capture(actor=sales, source="event", name="Choi", email="choi@x.test")
    opportunity = lead_convert(
        actor=sales,
        lead=lead,
        opportunity_name="Fleet order",
        amount="12000000",
        expected_close=CLOSE,
        channel="field",
    )
    lead.refresh_from_db()
    customer = Customer.objects.get(email="choi@x.test")
    assert (lead.status, lead.converted_customer) == ("converted", customer)
    assert (opportunity.customer, opportunity.owner, opportunity.stage.code) == (
        customer,
        sales,
        "qualification",
    )
    assert opportunity.amount == Decimal("12000000.00")
    with pytest.raises(ValidationError, match="converted lead cannot be converted"):
        lead_convert(
            actor=sales,
            lead=lead,
            opportunity_name="x",
            amount=1,
            expected_close=CLOSE,
            channel="field",
        )


def test_a_failed_conversion_writes_nothing(sales):
    lead = lead_capture(actor=sales, source="event", name="Jung", email="jung@x.test")
    with pytest.raises(ValidationError):
        lead_convert(
            actor=sales,
            lead=lead,
            opportunity_name="x",
            amount="-5",
            expected_close=CLOSE,
            channel="field",
        )
    lead.refresh_from_db()
    assert lead.status == "new"
    assert not Customer.objects.filter(email="jung@x.test").exists()


def test_conversion_onto_the_duplicate_customer(sales):
    existing = CustomerFactory(owner=sales, email="han@x.test")
    lead = lead_capture(actor=sales, source="web_form", name="Han", email="han@x.test")
    opportunity = lead_convert(
        actor=sales,
        lead=lead,
        opportunity_name="Renewal",
        amount=100,
        expected_close=CLOSE,
        channel="telesales",
        customer=lead.duplicate_of,
    )
    assert opportunity.customer == existing
    assert Customer.objects.filter(email="han@x.test").count() == 1


def test_disqualified_leads_cannot_be_converted(sales):
    lead = lead_capture(actor=sales, source="web_form", name="Yoo", email="yoo@x.test")
    lead_status_set(actor=sales, lead=lead, status="disqualified")
    with pytest.raises(ValidationError):
        lead_convert(
            actor=sales,
            lead=lead,
            opportunity_name="x",
            amount=1,
            expected_close=CLOSE,
            channel="field",
        )


def test_moves_are_recorded_losing_needs_a_reason_and_stale_moves_conflict(sales):
    customer = CustomerFactory(owner=sales)
    opp = opportunity_create(
        actor=sales,
        customer=customer,
        name="Deal",
        amount=1000,
        expected_close=CLOSE,
        channel="internet",
    )
    seen = opp.version
    opportunity_move(actor=sales, opportunity=opp, stage=stage("proposal"), expected_version=seen)
    with pytest.raises(ConflictError):
        opportunity_move(
            actor=sales, opportunity=opp, stage=stage("negotiation"), expected_version=seen
        )
    with pytest.raises(ValidationError, match="why"):
        opportunity_move(actor=sales, opportunity=opp, stage=stage("lost"))
    opportunity_move(actor=sales, opportunity=opp, stage=stage("lost"), loss_reason="price")
    assert (opp.stage.code, opp.loss_reason, opp.closed_at is not None) == ("lost", "price", True)
    moves = OpportunityStageChange.objects.filter(opportunity=opp).order_by("id")
    assert [(m.from_stage and m.from_stage.code, m.to_stage.code) for m in moves] == [
        (None, "qualification"),
        ("qualification", "proposal"),
        ("proposal", "lost"),
    ]


def test_only_sellers_who_see_the_customer_move_it(sales, other_sales, service):
    opp = opportunity_create(
        actor=sales,
        customer=CustomerFactory(owner=sales),
        name="D",
        amount=1,
        expected_close=CLOSE,
        channel="field",
    )
    for outsider in (other_sales, service):
        with pytest.raises(PermissionDeniedError):
            opportunity_move(actor=outsider, opportunity=opp, stage=stage("won"))


def test_board_and_forecast_sums(sales, manager):
    customer = CustomerFactory(owner=sales)
    for amount, code in ((1000, "proposal"), (3000, "proposal"), (500, "won")):
        opportunity_create(
            actor=sales,
            customer=customer,
            name="D",
            amount=amount,
            expected_close=CLOSE,
            channel="field",
            stage=stage(code),
        )
    board = {col.stage.code: col for col in pipeline_board(user=manager)}
    assert (board["proposal"].count, board["proposal"].amount) == (2, Decimal("4000"))
    assert board["proposal"].weighted == Decimal("2000.00")
    [row] = pipeline_forecast(user=manager)
    assert (row.group, row.open_amount, row.weighted, row.won) == (
        "sales",
        Decimal("4000.00"),
        Decimal("2000.00"),
        Decimal("500.00"),
    )
    [team_row] = pipeline_forecast(user=manager, by="team")
    assert team_row.group == "Seoul team"


def test_default_stages_come_back_when_the_pipeline_has_none():
    from dangol.sales.pipeline_services import pipeline_stages_ensure

    assert pipeline_stages_ensure() == 0  # seeded by the migration
    PipelineStage.objects.all().delete()
    assert pipeline_stages_ensure() == 6
    assert list(PipelineStage.objects.values_list("code", "probability")) == [
        ("qualification", 10),
        ("needs_analysis", 25),
        ("proposal", 50),
        ("negotiation", 75),
        ("won", 100),
        ("lost", 0),
    ]
