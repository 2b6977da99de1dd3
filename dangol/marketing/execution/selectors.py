"""Reads for the execution page: member counts by arm and status, the campaign's runs."""

from __future__ import annotations

from django.db.models import Count

from dangol.core.models import Job
from dangol.marketing.choices import MemberArm, MemberStatus
from dangol.marketing.execution import exports, sending
from dangol.marketing.models import Campaign, CampaignMember


def campaign_member_counts(*, campaign: Campaign) -> list[dict]:
    """Return ``[{arm, status, n}]`` for the campaign's members (labels, not codes)."""
    rows = (
        CampaignMember.objects.filter(campaign=campaign)
        .values("arm", "status")
        .annotate(n=Count("pk"))
        .order_by("arm", "status")
    )
    return [
        {
            "arm": MemberArm(row["arm"]).label,
            "status": MemberStatus(row["status"]).label,
            "n": row["n"],
        }
        for row in rows
    ]


def campaign_runs(*, campaign: Campaign, limit: int = 20) -> list[Job]:
    """Return the campaign's send and export jobs, newest first."""
    return list(
        Job.objects.filter(
            kind__in=[sending.JOB_KIND, exports.JOB_KIND], params__campaign_id=campaign.pk
        ).order_by("-pk")[:limit]
    )


def click_token_customer_campaign(*, token: str) -> tuple[int, int] | None:
    """Return (customer id, campaign id) of a click token's member, or None if not ours.

    Web analytics links a visit that arrived through a campaign link to its customer.
    """
    from dangol.marketing.execution import tokens

    try:
        target = tokens.click_token_read(token)
    except tokens.BadToken:
        return None
    found = (
        CampaignMember.objects.filter(pk=target.member_id, arm=MemberArm.TREATMENT)
        .values_list("customer_id", "campaign_id")
        .first()
    )
    return (found[0], found[1]) if found else None
