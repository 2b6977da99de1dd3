"""Conversions in the attribution window, checked on a hand-made example."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dangol.catalog.tests.factories import ProductFactory
from dangol.marketing.choices import MemberStatus, ResponseKind
from dangol.marketing.execution.attribution import campaign_conversions_attribute
from dangol.marketing.models import CampaignMember, CampaignResponse
from dangol.marketing.tests.execution.conftest import (
    LAUNCH,
    customer,
    launched_campaign,
    member_of,
)
from dangol.sales.tests.factories import OrderFactory, OrderLineFactory
from dangol.touchpoints.models import Interaction

pytestmark = pytest.mark.django_db
SECOND = dt.timedelta(seconds=1)
DAYS_14 = dt.timedelta(days=14)


@pytest.fixture
def coat():
    return ProductFactory(unit_price=Decimal("15000.00"), unit_cost=Decimal("9000.00"))


@pytest.fixture
def scarf():
    return ProductFactory(unit_price=Decimal("5000.00"), unit_cost=Decimal("2000.00"))


def _order(who, when, *, lines, status="completed"):
    order = OrderFactory(customer=who, ordered_at=when, status=status)
    for product, quantity, discount in lines:
        OrderLineFactory(
            order=order,
            product=product,
            quantity=quantity,
            unit_price=product.unit_price,
            discount=Decimal(discount),
        )
    return order


def _sent(campaign, who, when):
    CampaignMember.objects.filter(campaign=campaign, customer=who).update(
        status=MemberStatus.SENT, sent_at=when
    )


def _conversion(campaign, who):
    m = member_of(campaign, who)
    return m.conversion_order_id, m.converted_at, m.conversion_revenue, m.conversion_margin


def test_the_window_is_exact_for_both_arms(coat, scarf):
    a, b, c, f = (customer(name=n) for n in ("A", "B", "C", "F"))
    d, e = customer(name="D"), customer(name="E")
    campaign = launched_campaign(treated=[a, b, c, f], control=[d, e], attribution_days=14)
    sent_a = LAUNCH + dt.timedelta(hours=25)
    sent_b = LAUNCH + dt.timedelta(hours=26)
    sent_c = LAUNCH + dt.timedelta(hours=27)
    for who, when in ((a, sent_a), (b, sent_b), (c, sent_c)):
        _sent(campaign, who, when)
    # A: one second before the send (not counted), then exactly at the send (counted: the
    # window includes its start), then a later one (not the first).
    _order(a, sent_a - SECOND, lines=[(coat, 1, 0)])
    a_first = _order(a, sent_a, lines=[(coat, 2, 1000), (scarf, 1, 0)])
    _order(a, sent_a + dt.timedelta(days=2), lines=[(scarf, 1, 0)])
    # B: exactly 14 days after the send: the window has ended.
    _order(b, sent_b + DAYS_14, lines=[(coat, 1, 0)])
    # C: the first order in the window was cancelled; the next one, one second before the
    # end, counts.
    _order(c, sent_c + SECOND, lines=[(coat, 1, 0)], status="cancelled")
    c_order = _order(c, sent_c + DAYS_14 - SECOND, lines=[(scarf, 3, 500)])
    # F was never contacted (still pending): a purchase is no conversion.
    _order(f, sent_a, lines=[(coat, 1, 0)])
    # Control: D bought 3 days after the launch (would-have); E the day before it.
    d_order = _order(d, LAUNCH + dt.timedelta(days=3), lines=[(coat, 1, 0)])
    _order(e, LAUNCH - dt.timedelta(days=1), lines=[(coat, 1, 0)])

    report = campaign_conversions_attribute(campaign=campaign)

    # A: 2 x 15,000 - 1,000 + 5,000 = 34,000 revenue; cost 2 x 9,000 + 2,000 = 20,000.
    assert _conversion(campaign, a) == (
        a_first.pk,
        sent_a,
        Decimal("34000.00"),
        Decimal("14000.00"),
    )
    assert _conversion(campaign, b) == (None, None, None, None)
    # C: 3 x 5,000 - 500 = 14,500; cost 3 x 2,000 = 6,000.
    assert _conversion(campaign, c) == (
        c_order.pk, sent_c + DAYS_14 - SECOND, Decimal("14500.00"), Decimal("8500.00"),
    )  # fmt: skip
    assert _conversion(campaign, f) == (None, None, None, None)
    assert _conversion(campaign, d) == (
        d_order.pk, LAUNCH + dt.timedelta(days=3), Decimal("15000.00"), Decimal("6000.00"),
    )  # fmt: skip
    assert _conversion(campaign, e) == (None, None, None, None)
    assert (report.treated_conversions, report.control_conversions) == (2, 1)
    responses = CampaignResponse.objects.filter(kind=ResponseKind.CONVERSION)
    assert sorted(responses.values_list("member__customer__name", "order_id", "revenue")) == [
        ("A", a_first.pk, Decimal("34000.00")),
        ("C", c_order.pk, Decimal("14500.00")),
        ("D", d_order.pk, Decimal("15000.00")),
    ]
    # Treated conversions are on the timeline; the control's would-have ones are not.
    timeline = Interaction.objects.filter(subject__startswith="Bought after")
    assert sorted(timeline.values_list("customer__name", flat=True)) == ["A", "C"]


def test_attribution_is_idempotent_and_follows_a_cancelled_order(coat):
    a = customer(name="A")
    campaign = launched_campaign(treated=[a])
    _sent(campaign, a, LAUNCH)
    first = _order(a, LAUNCH + dt.timedelta(days=1), lines=[(coat, 1, 0)])
    second = _order(a, LAUNCH + dt.timedelta(days=2), lines=[(coat, 2, 0)])

    campaign_conversions_attribute(campaign=campaign)
    again = campaign_conversions_attribute(campaign=campaign)

    assert again.new_responses == 0
    assert CampaignResponse.objects.filter(kind=ResponseKind.CONVERSION).count() == 1
    assert Interaction.objects.filter(subject__startswith="Bought after").count() == 1

    first.status = "cancelled"
    first.save()
    moved = campaign_conversions_attribute(campaign=campaign)

    assert (moved.new_responses, moved.removed_responses) == (1, 1)
    assert _conversion(campaign, a)[0] == second.pk
    assert list(
        CampaignResponse.objects.filter(kind=ResponseKind.CONVERSION).values_list(
            "order_id", "revenue"
        )
    ) == [(second.pk, Decimal("30000.00"))]


def test_a_control_group_before_launch_has_no_conversions(coat):
    d = customer(name="D")
    campaign = launched_campaign(control=[d], launched_at=None)
    campaign.launched_at = None
    campaign.save()
    _order(d, LAUNCH, lines=[(coat, 1, 0)])
    report = campaign_conversions_attribute(campaign=campaign)
    assert report.control_conversions == 0
    assert _conversion(campaign, d) == (None, None, None, None)


def test_the_worker_sweep_counts_open_windows_only(coat):
    from django.conf import settings

    from dangol.marketing.execution.attribution import campaign_conversions_attribute_due

    assert (
        "dangol.marketing.execution.attribution.campaign_conversions_attribute_due"
        in settings.DANGOL_WORKER_SWEEPS
    )
    now = LAUNCH + dt.timedelta(days=30)
    running_buyer, closed_buyer = customer(name="R"), customer(name="C")
    running = launched_campaign(treated=[running_buyer])
    closed = launched_campaign(treated=[closed_buyer])
    closed.status, closed.completed_at = "completed", LAUNCH + dt.timedelta(days=1)
    closed.save()
    for campaign, who in ((running, running_buyer), (closed, closed_buyer)):
        _sent(campaign, who, LAUNCH)
        _order(who, LAUNCH + dt.timedelta(days=1), lines=[(coat, 1, 0)])

    assert campaign_conversions_attribute_due(now=now) == 1

    assert member_of(running, running_buyer).converted_at is not None
    # Completed 29 days ago with a 14-day window: no longer recounted.
    assert member_of(closed, closed_buyer).converted_at is None


def test_the_execution_page_counts_conversions_on_request(client, marketing, coat):
    a = customer(name="A")
    campaign = launched_campaign(treated=[a])
    _sent(campaign, a, LAUNCH)
    _order(a, LAUNCH + dt.timedelta(days=1), lines=[(coat, 1, 0)])
    client.force_login(marketing)
    page = client.post(f"/marketing/campaigns/{campaign.pk}/conversions/")
    assert page.status_code == 200
    assert page.context["attribution"].treated_conversions == 1
    assert "Conversions in the attribution window: 1 treated, 0 control." in page.content.decode()
