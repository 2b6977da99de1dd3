"""Tiers, benefits and the next best offer."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dangol.customers.models import CustomerScore
from dangol.customers.tests.factories import CustomerFactory
from dangol.marketing.models import CampaignMember, Unsubscribe
from dangol.marketing.personalisation import customer_tier, next_best_offer
from dangol.marketing.tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "value_tier", "tier"),
    [
        ("customer", "top", "premium"),
        ("customer", "middle", "purchasing"),
        ("customer", "", "purchasing"),
        ("prospect", "top", "registered"),
        ("churned", "bottom", "registered"),
        ("lead", "", "general"),
    ],
)
def test_default_tier_rules(status, value_tier, tier):
    assert customer_tier(status=status, value_tier=value_tier) == tier


def test_tier_rules_and_benefits_come_from_settings(settings):
    settings.DANGOL_MARKETING_TIER_RULES = [
        {"tier": "premium", "value_tier": ["top", "middle"]},
        {"tier": "general"},
    ]
    settings.DANGOL_MARKETING_TIER_BENEFITS = {"premium": ["A gift"]}
    assert customer_tier(status="lead", value_tier="middle") == "premium"
    customer = CustomerFactory(status="lead")
    CustomerScore.objects.create(customer=customer, value_tier="middle")
    offer = next_best_offer(customer_id=customer.pk)
    assert (offer.tier, offer.benefits) == ("premium", ["A gift"])


def test_next_best_offer_combines_campaigns_consent_and_tier():
    customer = CustomerFactory(status="customer", consent_email=True, consent_sms=False)
    CustomerScore.objects.create(customer=customer, value_tier="top")
    now = timezone.now()
    email = CampaignFactory(status="running", channel="email", offer="10% off", launched_at=now)
    sms = CampaignFactory(status="running", channel="sms", offer="SMS deal", launched_at=now)
    held_out = CampaignFactory(status="running", channel="email", offer="hidden", launched_at=now)
    ended = CampaignFactory(status="completed", channel="email", offer="old", launched_at=now)
    suppressed = CampaignFactory(status="running", channel="email", offer="no", launched_at=now)
    for campaign, arm, status, reason in [
        (email, "treatment", "sent", ""),
        (sms, "treatment", "pending", ""),  # no SMS consent
        (held_out, "control", "pending", ""),  # control never sees the offer
        (ended, "treatment", "sent", ""),
        (suppressed, "treatment", "suppressed", "frequency_cap"),
    ]:
        CampaignMember.objects.create(
            campaign=campaign, customer=customer, arm=arm, status=status,
            suppression_reason=reason,
        )  # fmt: skip
    offer = next_best_offer(customer_id=customer.pk)
    assert offer.tier == "premium"
    assert offer.channels == ["email"]
    assert [c["id"] for c in offer.campaigns] == [email.pk]
    assert offer.best.kind == "campaign" and offer.best.title == "10% off"
    assert offer.benefits[0] == "Dedicated account manager"
    assert isinstance(offer.recommendations, list)


def test_unsubscribed_customer_gets_no_campaign_offer():
    customer = CustomerFactory(status="lead", consent_email=True)
    campaign = CampaignFactory(status="running", channel="email", offer="x")
    CampaignMember.objects.create(campaign=campaign, customer=customer, arm="treatment")
    Unsubscribe.objects.create(customer=customer, source="link")
    offer = next_best_offer(customer_id=customer.pk)
    assert offer.unsubscribed is True and offer.channels == [] and offer.campaigns == []
    assert offer.tier == "general"
    assert offer.best.kind in ("recommendation", "benefit")
