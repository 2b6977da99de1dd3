"""Campaign contacts and responses on the customer's timeline, written set-based.

A contact is linked to its ``CampaignMember`` and a response to its
``CampaignResponse`` (the interaction's "concerns"), so each is logged once however
often the catch-up runs: ``*_timeline_log`` write only what has no entry yet. Entries are
written by the system (no staff member) in the site's language, like "Order N placed".
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext

from dangol.marketing.choices import CampaignChannel, MemberArm, MemberStatus, ResponseKind
from dangol.marketing.models import Campaign, CampaignMember, CampaignResponse
from dangol.touchpoints.bulk import InteractionEntry, concerns_key, interactions_log_bulk
from dangol.touchpoints.choices import Direction, InteractionChannel
from dangol.touchpoints.models import Interaction

# The timeline has no channel for letters yet; direct mail is logged once it has one
# (``InteractionChannel.POST``), see docs/marketing.md.
TIMELINE_CHANNEL: dict[str, str | None] = {
    CampaignChannel.EMAIL: InteractionChannel.EMAIL,
    CampaignChannel.SMS: InteractionChannel.SMS,
    CampaignChannel.CALL: InteractionChannel.PHONE,
    CampaignChannel.MAIL: getattr(InteractionChannel, "POST", None),
}
# Chunk the "which have no entry yet" lookups so a huge campaign is read in pieces.
CHUNK = 2000


def _site_language():
    return translation.override(settings.LANGUAGE_CODE)


def _contact_subject(campaign: Campaign) -> str:
    return gettext("Campaign “%(campaign)s”: %(channel)s sent") % {
        "campaign": campaign.name,
        "channel": CampaignChannel(campaign.channel).label,
    }


def _response_subject(campaign: Campaign, kind: str) -> str:
    subjects = {
        ResponseKind.OPEN: gettext("Opened the campaign “%(campaign)s”"),
        ResponseKind.CLICK: gettext("Clicked a link in the campaign “%(campaign)s”"),
        ResponseKind.CONVERSION: gettext("Bought after the campaign “%(campaign)s”"),
        ResponseKind.UNSUBSCRIBE: gettext("Unsubscribed from marketing (campaign “%(campaign)s”)"),
        ResponseKind.CALL_OUTCOME: gettext("Call for the campaign “%(campaign)s”"),
    }
    return subjects[ResponseKind(kind)] % {"campaign": campaign.name}


def campaign_contacts_timeline_log(
    *, campaign: Campaign, member_ids: Iterable[int] | None = None
) -> int:
    """Log each contacted (sent) treatment member without an entry yet; return how many.

    :param member_ids: only these members (the batch just sent); all when omitted (the
        catch-up after a crash between sending and logging).
    """
    channel = TIMELINE_CHANNEL[CampaignChannel(campaign.channel)]
    if channel is None or campaign.channel == CampaignChannel.CALL:
        # Each call is logged with its outcome (a call_outcome response) instead.
        return 0
    member_type = concerns_key(CampaignMember)
    logged = Interaction.objects.filter(subject_type_id=member_type, subject_id=OuterRef("pk"))
    members = CampaignMember.objects.filter(
        campaign=campaign, arm=MemberArm.TREATMENT, status=MemberStatus.SENT
    )
    chunks: Iterable[list[int] | None]
    if member_ids is None:
        chunks = [None]
    else:
        ids = sorted(set(member_ids))
        chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
    written = 0
    with _site_language():
        subject = _contact_subject(campaign)
        for chunk in chunks:
            selected = members if chunk is None else members.filter(pk__in=chunk)
            rows = selected.filter(~Exists(logged)).values_list("pk", "customer_id", "sent_at")
            written += interactions_log_bulk(
                entries=(
                    InteractionEntry(
                        customer_id=customer_id,
                        channel=channel,
                        direction=Direction.OUTBOUND,
                        subject=subject,
                        body=campaign.offer,
                        occurred_at=sent_at,
                        subject_type_id=member_type,
                        subject_id=pk,
                    )
                    for pk, customer_id, sent_at in rows.iterator(chunk_size=CHUNK)
                )
            )
    return written


def campaign_responses_timeline_log(
    *, campaign: Campaign, response_ids: Iterable[int] | None = None
) -> int:
    """Log each response of a treated member without an entry yet; return how many.

    Opens, clicks and unsubscribes arrive by e-mail (inbound on the e-mail channel);
    conversions are purchases and call outcomes are the agent's call, logged on the
    campaign's channel. The control group's "would-have" conversions are not responses
    to anything the customer received, so they are not on the timeline.
    """
    response_type = concerns_key(CampaignResponse)
    logged = Interaction.objects.filter(subject_type_id=response_type, subject_id=OuterRef("pk"))
    responses = CampaignResponse.objects.filter(
        member__campaign=campaign, member__arm=MemberArm.TREATMENT
    ).filter(~Exists(logged))
    if response_ids is not None:
        responses = responses.filter(pk__in=list(response_ids))
    campaign_channel = TIMELINE_CHANNEL[CampaignChannel(campaign.channel)]
    entries = []
    with _site_language():
        for pk, kind, occurred_at, customer_id, url, outcome in responses.values_list(
            "pk", "kind", "occurred_at", "member__customer_id", "url", "member__call_outcome"
        ).iterator(chunk_size=CHUNK):
            if kind in (ResponseKind.OPEN, ResponseKind.CLICK, ResponseKind.UNSUBSCRIBE):
                channel, direction = InteractionChannel.EMAIL, Direction.INBOUND
            elif kind == ResponseKind.CALL_OUTCOME:
                channel, direction = InteractionChannel.PHONE, Direction.OUTBOUND
            else:
                channel, direction = campaign_channel or InteractionChannel.WEB, Direction.INBOUND
            entries.append(
                InteractionEntry(
                    customer_id=customer_id,
                    channel=channel,
                    direction=direction,
                    subject=_response_subject(campaign, kind),
                    body=url,
                    outcome=outcome if kind == ResponseKind.CALL_OUTCOME else "",
                    occurred_at=occurred_at,
                    subject_type_id=response_type,
                    subject_id=pk,
                )
            )
    return interactions_log_bulk(entries=entries)
