"""Conversions: a purchase within the attribution window counts for the campaign.

For a contacted (treatment, ``sent``) member the window is ``[sent_at, sent_at +
attribution_days)``; for a control member, who was never contacted and has no
``sent_at``, it is ``[launched_at, launched_at + attribution_days)``: the purchases the
customer would have made anyway, which the review compares against. The first order in
the window (by time, then id) that was not cancelled or returned is the conversion: its
revenue (lines' price x quantity - discount) and margin (revenue - quantity x the
product's unit cost) are kept on the member.

Computed set-based for the whole campaign (a handful of UPDATE ... SET = (subquery)
statements, whatever the size) and idempotent: running it again after more orders
arrived adds the new conversions, and changes or removes those whose order was since
cancelled. Each new conversion of a treated member is a ``conversion`` response on the
customer's timeline; control members get the member fields and a response row (so the
review can count them) but no timeline entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from dangol.marketing.choices import CampaignStatus, MemberArm, MemberStatus, ResponseKind
from dangol.marketing.execution.timeline import campaign_responses_timeline_log
from dangol.marketing.models import Campaign, CampaignMember, CampaignResponse
from dangol.sales.choices import OrderStatus
from dangol.sales.models import Order, OrderLine

NOT_SALES = (OrderStatus.CANCELLED, OrderStatus.RETURNED)
MONEY = DecimalField(max_digits=14, decimal_places=2)


@dataclass
class AttributionReport:
    treated_conversions: int = 0
    control_conversions: int = 0
    new_responses: int = 0
    removed_responses: int = 0


def _first_order(start, end):
    """Return a subquery of the member's first valid order id in ``[start, end)``."""
    return Subquery(
        Order.objects.filter(
            customer_id=OuterRef("customer_id"), ordered_at__gte=start, ordered_at__lt=end
        )
        .exclude(status__in=NOT_SALES)
        .order_by("ordered_at", "pk")
        .values("pk")[:1]
    )


def _order_sum(expression):
    return Subquery(
        OrderLine.objects.filter(order_id=OuterRef("conversion_order_id"))
        .values("order_id")
        .annotate(total=Sum(ExpressionWrapper(expression, output_field=MONEY)))
        .values("total")[:1],
        output_field=MONEY,
    )


@transaction.atomic
def campaign_conversions_attribute(
    *, campaign: Campaign, now: dt.datetime | None = None
) -> AttributionReport:
    """Find every member's conversion in the window and record it; return the counts.

    Idempotent; see the module docstring for the windows of the two arms.
    """
    now = now or timezone.now()
    window = dt.timedelta(days=campaign.attribution_days)
    members = CampaignMember.objects.filter(campaign=campaign)
    contacted = Q(arm=MemberArm.TREATMENT, status=MemberStatus.SENT, sent_at__isnull=False)
    eligible = contacted | Q(arm=MemberArm.CONTROL) if campaign.launched_at else contacted
    # Members that cannot convert (never contacted, or control before the launch) lose
    # any conversion an earlier run gave them.
    members.exclude(eligible).exclude(conversion_order_id__isnull=True).update(
        conversion_order_id=None, updated_at=now
    )
    members.filter(contacted).update(
        conversion_order_id=_first_order(OuterRef("sent_at"), OuterRef("sent_at") + window),
        updated_at=now,
    )
    if campaign.launched_at is not None:
        members.filter(arm=MemberArm.CONTROL).update(
            conversion_order_id=_first_order(campaign.launched_at, campaign.launched_at + window),
            updated_at=now,
        )
    converted = members.filter(conversion_order_id__isnull=False)
    revenue = F("quantity") * F("unit_price") - F("discount")
    margin = revenue - F("quantity") * F("product__unit_cost")
    converted.update(
        converted_at=Subquery(
            Order.objects.filter(pk=OuterRef("conversion_order_id")).values("ordered_at")[:1]
        ),
        conversion_revenue=Coalesce(_order_sum(revenue), Value(0), output_field=MONEY),
        conversion_margin=Coalesce(_order_sum(margin), Value(0), output_field=MONEY),
    )
    members.filter(conversion_order_id__isnull=True).exclude(
        converted_at__isnull=True, conversion_revenue__isnull=True
    ).update(converted_at=None, conversion_revenue=None, conversion_margin=None)
    return _responses_sync(campaign)


def _responses_sync(campaign: Campaign) -> AttributionReport:
    """Make the conversion responses match the members' conversions (set-based)."""
    report = AttributionReport()
    current = {
        pk: (order_id, converted_at, revenue, arm)
        for pk, order_id, converted_at, revenue, arm in CampaignMember.objects.filter(
            campaign=campaign, conversion_order_id__isnull=False
        ).values_list("pk", "conversion_order_id", "converted_at", "conversion_revenue", "arm")
    }
    report.treated_conversions = sum(1 for v in current.values() if v[3] == MemberArm.TREATMENT)
    report.control_conversions = len(current) - report.treated_conversions
    existing = CampaignResponse.objects.filter(
        member__campaign=campaign, kind=ResponseKind.CONVERSION
    )
    keep: set[tuple[int, int]] = set()
    stale: list[int] = []
    for pk, member_id, order_id in existing.values_list("pk", "member_id", "order_id"):
        if member_id in current and current[member_id][0] == order_id:
            keep.add((member_id, order_id))
        else:
            stale.append(pk)
    if stale:
        report.removed_responses = existing.filter(pk__in=stale).delete()[0]
    new = CampaignResponse.objects.bulk_create(
        [
            CampaignResponse(
                member_id=member_id,
                kind=ResponseKind.CONVERSION,
                occurred_at=converted_at,
                order_id=order_id,
                revenue=revenue,
            )
            for member_id, (order_id, converted_at, revenue, _arm) in current.items()
            if (member_id, order_id) not in keep
        ],
        batch_size=1000,
    )
    report.new_responses = len(new)
    campaign_responses_timeline_log(campaign=campaign)
    return report


def campaign_conversions_attribute_due(*, now: dt.datetime | None = None) -> int:
    """Attribute conversions for every campaign whose window may still see purchases.

    A worker sweep (``DANGOL_WORKER_SWEEPS``): launched campaigns that are running or
    paused, or completed less than their attribution window (plus a day for late order
    imports) ago. Return how many campaigns were processed.
    """
    now = now or timezone.now()
    campaigns = Campaign.objects.filter(launched_at__isnull=False).filter(
        Q(status__in=[CampaignStatus.RUNNING, CampaignStatus.PAUSED])
        | Q(status=CampaignStatus.COMPLETED, completed_at__gte=now - dt.timedelta(days=367))
    )
    done = 0
    for campaign in campaigns:
        if (
            campaign.status == CampaignStatus.COMPLETED
            and campaign.completed_at + dt.timedelta(days=campaign.attribution_days + 1) < now
        ):
            continue
        campaign_conversions_attribute(campaign=campaign, now=now)
        done += 1
    return done
