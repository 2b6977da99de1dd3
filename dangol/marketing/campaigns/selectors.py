"""Reads of campaigns: lists, the review of each campaign, the dashboard, training data.

The review compares the **eligible** arms: treated = treatment members actually sent;
control = control members that passed the same suppression rules (still ``pending``).
A response, for the treated-vs-control comparison, is a conversion (a purchase within
the attribution window, ``converted_at``): the control group never gets a message, so
opens and clicks exist only for the treated and are reported beside it.
All figures come from one grouped query over the members (per campaign and arm), so the
dashboard costs one query whatever the number of campaigns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from dangol.core.errors import NotFoundError
from dangol.marketing.choices import MemberArm, MemberStatus
from dangol.marketing.errors import MarketingErrorCode
from dangol.marketing.models import Campaign, CampaignMember
from dangol.marketing.review import ArmTotals, arms_review, campaign_roi

ZERO = Decimal("0.00")


@dataclass
class CampaignReview:
    """The figures of one campaign (see the module docstring for the definitions)."""

    campaign_id: int
    name: str
    status: str
    channel: str
    goal: str
    members: int = 0
    control_members: int = 0
    suppressed: dict[str, int] = field(default_factory=dict)
    contacts: int = 0  # treatment members sent
    opens: int = 0
    clicks: int = 0
    conversions: int = 0  # treated conversions
    open_rate: float | None = None
    click_rate: float | None = None
    response_rate: float | None = None  # treated conversion rate
    revenue: Decimal = ZERO  # treated
    margin: Decimal = ZERO  # treated
    cost: Decimal = ZERO  # contacts x cost per contact
    roi: float | None = None  # (margin - cost) / cost
    control_n: int = 0  # eligible control members
    control_conversions: int = 0
    control_rate: float | None = None
    control_revenue: Decimal = ZERO
    lift_abs: float | None = None
    lift_rel: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    incremental_revenue: float | None = None  # (rev/contact treated - control) x contacts
    incremental_margin: float | None = None
    incremental_roi: float | None = None  # (incremental margin - cost) / cost
    budget: Decimal | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, Decimal):
                data[key] = str(value)
        return data


def campaign_get(*, pk: int) -> Campaign:
    """Return one campaign or raise ``NotFoundError``."""
    campaign = Campaign.objects.select_related("segment", "created_by").filter(pk=pk).first()
    if campaign is None:
        raise NotFoundError("No such campaign", code=MarketingErrorCode.NOT_FOUND)
    return campaign


def campaign_list(*, status: str | None = None) -> QuerySet:
    """Return campaigns, newest first (optionally of one status)."""
    qs = Campaign.objects.select_related("segment").order_by("-id")
    return qs.filter(status=status) if status else qs


def member_status_counts(*, campaign: Campaign) -> dict[tuple[str, str], int]:
    """Return the number of members per (arm, status)."""
    rows = (
        CampaignMember.objects.filter(campaign=campaign)
        .values_list("arm", "status")
        .annotate(n=Count("id"))
    )
    return {(arm, status): n for arm, status, n in rows}


def _aggregates(campaign_ids: list[int] | None) -> dict[int, dict]:
    """Return the member aggregates per campaign and (arm, status, reason) in one query."""
    qs = CampaignMember.objects.all()
    if campaign_ids is not None:
        qs = qs.filter(campaign_id__in=campaign_ids)
    rows = qs.values("campaign_id", "arm", "status", "suppression_reason").annotate(
        n=Count("id"),
        opens=Count("id", filter=Q(opened_at__isnull=False)),
        clicks=Count("id", filter=Q(clicked_at__isnull=False)),
        conversions=Count("id", filter=Q(converted_at__isnull=False)),
        revenue=Sum("conversion_revenue"),
        margin=Sum("conversion_margin"),
    )
    out: dict[int, list[dict]] = {}
    for row in rows:
        out.setdefault(row["campaign_id"], []).append(row)
    return out


def _review(campaign: Campaign, rows: list[dict]) -> CampaignReview:
    review = CampaignReview(
        campaign_id=campaign.pk,
        name=campaign.name,
        status=campaign.status,
        channel=campaign.channel,
        goal=campaign.goal,
        budget=campaign.budget,
    )
    control_margin = ZERO
    for row in rows:
        review.members += row["n"]
        treated = row["arm"] == MemberArm.TREATMENT
        if not treated:
            review.control_members += row["n"]
        if row["status"] == MemberStatus.SUPPRESSED:
            reason = row["suppression_reason"]
            review.suppressed[reason] = review.suppressed.get(reason, 0) + row["n"]
        elif treated and row["status"] == MemberStatus.SENT:
            review.contacts += row["n"]
            review.opens += row["opens"]
            review.clicks += row["clicks"]
            review.conversions += row["conversions"]
            review.revenue += row["revenue"] or ZERO
            review.margin += row["margin"] or ZERO
        elif not treated and row["status"] == MemberStatus.PENDING:
            review.control_n += row["n"]
            review.control_conversions += row["conversions"]
            review.control_revenue += row["revenue"] or ZERO
            control_margin += row["margin"] or ZERO
    review.cost = (Decimal(str(campaign.cost_per_contact)) * review.contacts).quantize(
        Decimal("0.01")
    )
    review.roi = campaign_roi(margin=float(review.margin), cost=float(review.cost))
    if review.contacts:
        review.open_rate = review.opens / review.contacts
        review.click_rate = review.clicks / review.contacts
        review.response_rate = review.conversions / review.contacts
    if review.control_n:
        review.control_rate = review.control_conversions / review.control_n
    if review.contacts and review.control_n:
        (arm,) = arms_review(
            arms=[
                ArmTotals("treatment", review.contacts, review.conversions, float(review.revenue)),
                ArmTotals(
                    "control",
                    review.control_n,
                    review.control_conversions,
                    float(review.control_revenue),
                ),
            ],
            control="control",
        )
        review.lift_abs = arm.lift_abs
        review.lift_rel = arm.lift_rel
        review.ci_low, review.ci_high, review.p_value = arm.ci_low, arm.ci_high, arm.p_value
        review.incremental_revenue = arm.incremental_value
        review.incremental_margin = (
            float(review.margin) / review.contacts - float(control_margin) / review.control_n
        ) * review.contacts
        review.incremental_roi = campaign_roi(
            margin=review.incremental_margin, cost=float(review.cost)
        )
    return review


def campaign_review(*, campaign: Campaign) -> CampaignReview:
    """Return the review of one campaign (contacts, rates, revenue, ROI, lift, CI, p)."""
    rows = _aggregates([campaign.pk]).get(campaign.pk, [])
    return _review(campaign, rows)


def campaign_review_list(*, status: str | None = None, limit: int = 200) -> list[CampaignReview]:
    """Return the reviews of the newest ``limit`` campaigns, for the dashboard."""
    campaigns = list(campaign_list(status=status)[:limit])
    rows = _aggregates([c.pk for c in campaigns])
    return [_review(c, rows.get(c.pk, [])) for c in campaigns]


RESPONSE_FRAME_COLUMNS = (
    "campaign_id",
    "customer_id",
    "arm",
    "responded",
    "opened",
    "clicked",
    "revenue",
    "kind",
    "gender",
    "region",
    "customer_group",
    "status",
    "acquisition_channel",
    "birth_year",
    "consent_email",
    "consent_sms",
    "value_tier",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "rfm_segment",
    "clv",
    "churn_probability",
)


def campaign_response_frame(*, campaign_id: int, include_control: bool = False):
    """Return one row per treated member (sent) with the outcome and basic attributes.

    The training data for the response model: ``responded`` is 1 when the member
    converted within the attribution window, else 0. With ``include_control`` the
    eligible control members are added (``arm`` says which), the input of an uplift
    model. Attributes are read as they are now, not as they were at the send.

    :returns: a ``pandas.DataFrame`` with ``RESPONSE_FRAME_COLUMNS``.
    """
    import pandas as pd

    arms = Q(arm=MemberArm.TREATMENT, status=MemberStatus.SENT)
    if include_control:
        arms |= Q(arm=MemberArm.CONTROL, status=MemberStatus.PENDING)
    rows = (
        CampaignMember.objects.filter(arms, campaign_id=campaign_id)
        .order_by("customer_id")
        .values_list(
            "campaign_id",
            "customer_id",
            "arm",
            "converted_at",
            "opened_at",
            "clicked_at",
            "conversion_revenue",
            "customer__kind",
            "customer__gender",
            "customer__region",
            "customer__customer_group__code",
            "customer__status",
            "customer__acquisition_channel",
            "customer__birth_date",
            "customer__consent_email",
            "customer__consent_sms",
            "customer__score__value_tier",
            "customer__score__rfm_recency",
            "customer__score__rfm_frequency",
            "customer__score__rfm_monetary",
            "customer__score__rfm_segment",
            "customer__score__clv",
            "customer__score__churn_probability",
        )
        .iterator(chunk_size=5000)
    )
    data = []
    for r in rows:
        data.append(
            (
                r[0],
                r[1],
                r[2],
                int(r[3] is not None),
                int(r[4] is not None),
                int(r[5] is not None),
                float(r[6]) if r[6] is not None else 0.0,
                *r[7:13],
                r[13].year if r[13] else None,
                bool(r[14]),
                bool(r[15]),
                r[16] or "",
                r[17],
                r[18],
                r[19],
                r[20] or "",
                float(r[21]) if r[21] is not None else None,
                r[22],
            )
        )
    return pd.DataFrame.from_records(data, columns=list(RESPONSE_FRAME_COLUMNS))


def campaign_contacts_for_response_model(*, campaign_id: int):
    """Return a campaign's treated, sent contacts as the response model reads them.

    Columns ``customer_id``, ``response`` (1 if the contact converted within the
    attribution window) and ``contacted_at`` (the send date): the campaign source of
    ``analytics.response`` (``DANGOL_RESPONSE_CAMPAIGN_SOURCE``).
    """
    import pandas as pd

    rows = (
        CampaignMember.objects.filter(
            campaign_id=campaign_id, arm=MemberArm.TREATMENT, status=MemberStatus.SENT
        )
        .order_by("customer_id")
        .values_list("customer_id", "converted_at", "sent_at")
    )
    return pd.DataFrame.from_records(
        [
            (customer, int(converted is not None), timezone.localdate(sent) if sent else None)
            for customer, converted, sent in rows.iterator(chunk_size=5000)
        ],
        columns=["customer_id", "response", "contacted_at"],
    )
