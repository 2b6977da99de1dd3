"""Personalisation: customer tiers with benefits, and the next best offer for one customer.

**Tiers** (in the manner of a direct-sales computer maker): ``general``, ``registered``,
``purchasing``, ``premium``. A customer's tier is the first rule that matches their
lifecycle status and value tier. The rules and the benefits are configurable in settings
without code:

- ``DANGOL_MARKETING_TIER_RULES``: a list of ``{"tier", "status": [...], "value_tier": [...]}``
  (a missing key matches anything), tried in order; the last rule should match everyone.
- ``DANGOL_MARKETING_TIER_BENEFITS``: ``{tier: [benefit text, ...]}``.

The defaults: premium = a customer in the top value tier; purchasing = any other
customer; registered = a prospect, or a churned former customer; general = everyone else
(leads).

**Next best offer** (``next_best_offer``) combines, for one customer: the tier and its
benefits; the running campaigns the customer is eligible for (a treatment member, not
suppressed, consent for the campaign's channel, not unsubscribed; never a control
member, which would spoil the campaign's measurement); cross-sell and up-sell
recommendations (``dangol.analytics.recommend``, read lazily: none when that module is
absent); and the channels the customer may be contacted on. ``best`` is the first
eligible campaign's offer, else the top recommendation, else the tier's first benefit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dangol.customers.choices import ConsentChannel
from dangol.customers.models import Customer, CustomerScore
from dangol.marketing.choices import CHANNEL_CONSENT, CampaignStatus, MemberArm, MemberStatus
from dangol.marketing.models import CampaignMember, Unsubscribe

TIERS = ("general", "registered", "purchasing", "premium")
TIER_LABELS = {
    "general": _("General"),
    "registered": _("Registered"),
    "purchasing": _("Purchasing"),
    "premium": _("Premium"),
}
DEFAULT_TIER_RULES: list[dict[str, Any]] = [
    {"tier": "premium", "status": ["customer"], "value_tier": ["top"]},
    {"tier": "purchasing", "status": ["customer"]},
    {"tier": "registered", "status": ["prospect", "churned"]},
    {"tier": "general"},
]
DEFAULT_TIER_BENEFITS = {
    "general": [_("Newsletter with seasonal offers")],
    "registered": [_("Order tracking and saved baskets"), _("Welcome coupon on first order")],
    "purchasing": [_("Free delivery above the threshold"), _("Points on every order")],
    "premium": [
        _("Dedicated account manager"),
        _("Priority support line"),
        _("Volume pricing and early access to new products"),
    ],
}


def tier_rules() -> list[dict[str, Any]]:
    """Return the tier rules in force (settings, else the defaults)."""
    return list(getattr(settings, "DANGOL_MARKETING_TIER_RULES", None) or DEFAULT_TIER_RULES)


def tier_benefits(tier: str) -> list[str]:
    """Return the benefits of ``tier`` as text in the active language."""
    table = getattr(settings, "DANGOL_MARKETING_TIER_BENEFITS", None) or DEFAULT_TIER_BENEFITS
    return [str(b) for b in table.get(tier, [])]


def customer_tier(*, status: str, value_tier: str) -> str:
    """Return the tier of a customer with this lifecycle status and value tier."""
    for rule in tier_rules():
        if "status" in rule and status not in rule["status"]:
            continue
        if "value_tier" in rule and value_tier not in rule["value_tier"]:
            continue
        return rule["tier"]
    return "general"


@dataclass
class Offer:
    kind: str  # campaign, recommendation, benefit
    title: str
    detail: str = ""
    campaign_id: int | None = None
    product_id: int | None = None


@dataclass
class NextBestOffer:
    customer_id: int
    tier: str
    tier_label: str
    benefits: list[str]
    channels: list[str]  # channels the customer consents to (empty when unsubscribed)
    unsubscribed: bool
    campaigns: list[dict] = field(default_factory=list)
    recommendations: list[dict] = field(default_factory=list)
    recommendations_available: bool = True
    best: Offer | None = None

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def _recommendations(customer_id: int, limit: int) -> tuple[list[dict], bool]:
    """Return the recommendations and whether the recommender exists at all."""
    try:
        from dangol.analytics.recommend.selectors import recommendations_for_customer
    except ImportError:
        return [], False
    out = []
    for item in recommendations_for_customer(customer_id=customer_id, limit=limit):
        row = dataclasses.asdict(item) if dataclasses.is_dataclass(item) else dict(item)
        out.append({k: (str(v) if k == "unit_price" else v) for k, v in row.items()})
    return out, True


def next_best_offer(*, customer_id: int, limit: int = 5) -> NextBestOffer:
    """Return the next best offer for one customer (see the module docstring).

    The caller checks that the user may see the customer.

    :raises Customer.DoesNotExist: there is no such customer.
    """
    customer = Customer.objects.only(
        "id", "status", "consent_email", "consent_sms", "consent_phone", "consent_post"
    ).get(pk=customer_id)
    value_tier = (
        CustomerScore.objects.filter(customer_id=customer_id)
        .values_list("value_tier", flat=True)
        .first()
        or ""
    )
    tier = customer_tier(status=customer.status, value_tier=value_tier)
    unsubscribed = Unsubscribe.objects.filter(customer_id=customer_id).exists()
    channels = (
        []
        if unsubscribed
        else [c for c in ConsentChannel.values if getattr(customer, f"consent_{c}")]
    )
    members = (
        CampaignMember.objects.filter(
            customer_id=customer_id,
            arm=MemberArm.TREATMENT,
            status__in=[MemberStatus.PENDING, MemberStatus.SENDING, MemberStatus.SENT],
            campaign__status=CampaignStatus.RUNNING,
        )
        .select_related("campaign")
        .order_by("-campaign__launched_at", "-campaign_id")
    )
    campaigns = [
        {
            "id": m.campaign_id,
            "name": m.campaign.name,
            "offer": m.campaign.offer,
            "goal": m.campaign.goal,
            "channel": m.campaign.channel,
            "contacted": m.status == MemberStatus.SENT,
        }
        for m in members
        if CHANNEL_CONSENT[m.campaign.channel] in channels
    ]
    recommendations, available = _recommendations(customer_id, limit)
    benefits = tier_benefits(tier)
    best = None
    if campaigns:
        c = campaigns[0]
        best = Offer(kind="campaign", title=c["offer"] or c["name"], campaign_id=c["id"])
    elif recommendations:
        r = recommendations[0]
        best = Offer(
            kind="recommendation",
            title=r.get("name", ""),
            detail=r.get("kind_label", ""),
            product_id=r.get("product_id"),
        )
    elif benefits:
        best = Offer(kind="benefit", title=benefits[0])
    return NextBestOffer(
        customer_id=customer_id,
        tier=tier,
        tier_label=str(TIER_LABELS.get(tier, tier)),
        benefits=benefits,
        channels=channels,
        unsubscribed=unsubscribed,
        campaigns=campaigns,
        recommendations=recommendations,
        recommendations_available=available,
        best=best,
    )
