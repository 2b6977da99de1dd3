"""The review of a campaign against a hand-computed example, and the training frame."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.utils import timezone

from dangol.customers.models import Customer
from dangol.marketing.models import CampaignMember
from dangol.marketing.selectors import (
    RESPONSE_FRAME_COLUMNS,
    campaign_response_frame,
    campaign_review,
    campaign_review_list,
)
from dangol.marketing.tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def add(campaign, n, *, arm, status, converted=0, revenue="0", margin="0", opened=0,
        reason=""):  # fmt: skip
    """Add ``n`` members; the first ``converted`` bought for ``revenue``/``margin`` each."""
    now = timezone.now()
    start = Customer.objects.count()
    Customer.objects.bulk_create(
        [Customer(name=f"{arm}{start + i}", status="customer") for i in range(n)]
    )
    customers = list(Customer.objects.order_by("-pk")[:n])
    CampaignMember.objects.bulk_create(
        [
            CampaignMember(
                campaign=campaign, customer=c, arm=arm, status=status, suppression_reason=reason,
                sent_at=now if status == "sent" else None,
                opened_at=now if i < opened else None,
                converted_at=now if i < converted else None,
                conversion_revenue=Decimal(revenue) if i < converted else None,
                conversion_margin=Decimal(margin) if i < converted else None,
            )
            for i, c in enumerate(customers)
        ]
    )  # fmt: skip


def test_review_matches_a_hand_computed_example():
    # Treated: 1,000 sent, 60 converted at 50,000 revenue / 20,000 margin each, 300 opened.
    # Control: 200 eligible, 6 converted at 50,000 / 20,000. Suppressed and other states
    # are out of the comparison. Cost 100 per contact.
    campaign = CampaignFactory(status="running", cost_per_contact=Decimal("100.00"))
    add(campaign, 1000, arm="treatment", status="sent", converted=60, revenue="50000",
        margin="20000", opened=300)  # fmt: skip
    add(campaign, 200, arm="control", status="pending", converted=6, revenue="50000",
        margin="20000")  # fmt: skip
    add(campaign, 30, arm="treatment", status="suppressed", reason="no_consent")
    add(campaign, 5, arm="control", status="suppressed", reason="no_consent", converted=5,
        revenue="1", margin="1")  # fmt: skip
    add(campaign, 7, arm="treatment", status="failed")
    r = campaign_review(campaign=campaign)
    assert (r.members, r.control_members, r.contacts, r.control_n) == (1242, 205, 1000, 200)
    assert r.suppressed == {"no_consent": 35}
    assert (r.conversions, r.control_conversions, r.opens) == (60, 6, 300)
    assert r.response_rate == 0.06 and r.control_rate == 0.03 and r.open_rate == 0.3
    assert r.revenue == Decimal("3000000.00") and r.margin == Decimal("1200000.00")
    assert r.cost == Decimal("100000.00")
    assert r.roi == pytest.approx((1_200_000 - 100_000) / 100_000)  # 11.0
    assert r.lift_abs == pytest.approx(0.03)
    assert r.lift_rel == pytest.approx(1.0)
    # Wald: se = sqrt(.06*.94/1000 + .03*.97/200) = sqrt(0.0000564 + 0.0001455)
    se = math.sqrt(0.06 * 0.94 / 1000 + 0.03 * 0.97 / 200)
    assert se == pytest.approx(0.0142091, abs=1e-6)
    assert r.ci_low == pytest.approx(0.03 - 1.959964 * se, abs=1e-6)  # 0.002151
    assert r.ci_high == pytest.approx(0.03 + 1.959964 * se, abs=1e-6)  # 0.057849
    # Pooled z: p = 66/1200 = 0.055; se0 = sqrt(.055*.945*(1/1000+1/200)) = 0.017659
    # z = 0.03/0.017659 = 1.6988; two-sided p = 2 * (1 - Phi(1.6988)) = 0.08935
    assert r.p_value == pytest.approx(0.08935, abs=5e-5)
    # Revenue per contact 3,000 vs 1,500: incremental revenue (3000-1500) x 1000.
    assert r.incremental_revenue == pytest.approx(1_500_000)
    assert r.incremental_margin == pytest.approx((1200 - 600) * 1000)
    assert r.incremental_roi == pytest.approx((600_000 - 100_000) / 100_000)
    (listed,) = [x for x in campaign_review_list() if x.campaign_id == campaign.pk]
    assert listed.as_dict() == r.as_dict()


def test_review_without_control_or_contacts_has_no_statistics():
    campaign = CampaignFactory(status="running", control_percent=0)
    add(campaign, 10, arm="treatment", status="sent", converted=2, revenue="10", margin="5")
    r = campaign_review(campaign=campaign)
    assert r.response_rate == 0.2 and r.control_rate is None
    assert r.lift_abs is None and r.p_value is None and r.incremental_revenue is None
    assert r.cost == Decimal("0.00") and r.roi is None
    empty = campaign_review(campaign=CampaignFactory())
    assert (empty.contacts, empty.members, empty.response_rate) == (0, 0, None)


def test_response_frame_is_one_row_per_treated_member():
    campaign = CampaignFactory(status="running")
    add(campaign, 4, arm="treatment", status="sent", converted=1, revenue="700", opened=2)
    add(campaign, 3, arm="control", status="pending", converted=1, revenue="5")
    add(campaign, 2, arm="treatment", status="suppressed", reason="no_consent")
    frame = campaign_response_frame(campaign_id=campaign.pk)
    assert list(frame.columns) == list(RESPONSE_FRAME_COLUMNS)
    assert len(frame) == 4
    assert frame["responded"].sum() == 1 and frame["opened"].sum() == 2
    assert frame["revenue"].sum() == 700.0
    assert set(frame["arm"]) == {"treatment"}
    both = campaign_response_frame(campaign_id=campaign.pk, include_control=True)
    assert len(both) == 7
    assert both.groupby("arm")["responded"].sum().to_dict() == {"control": 1, "treatment": 1}


def test_the_response_model_reads_a_campaigns_contacts_through_its_source_hook(settings):
    from django.utils.module_loading import import_string

    from dangol.analytics.response.sources import campaign_contacts

    campaign = CampaignFactory(status="running")
    add(campaign, 3, arm="treatment", status="sent", converted=1)
    add(campaign, 2, arm="control", status="pending", converted=1)
    hook = import_string(settings.DANGOL_RESPONSE_CAMPAIGN_SOURCE)
    frame = campaign_contacts(campaign_id=campaign.pk)
    assert hook.__name__ == "campaign_contacts_for_response_model"
    assert list(frame.columns) == ["customer_id", "response", "contacted_at"]
    assert (len(frame), int(frame["response"].sum())) == (3, 1)
    assert set(frame["contacted_at"]) == {timezone.localdate()}
