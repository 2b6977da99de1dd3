"""Responses that arrive through the links of a message: opens, clicks, unsubscribes.

Each is recorded once: the first open sets ``opened_at`` and adds one ``open`` response,
later loads of the pixel add nothing; the first click on each distinct link adds one
``click`` response (the first sets ``clicked_at``), and a click also counts as an open
(mail clients that block images still follow links). Unsubscribing withdraws every
marketing consent with a proof event and adds one ``unsubscribe`` response. Each
response goes on the customer's timeline.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from dangol.core.errors import NotFoundError
from dangol.customers.choices import ConsentChannel
from dangol.marketing.choices import MemberArm, MemberStatus, ResponseKind
from dangol.marketing.execution import tokens
from dangol.marketing.execution.timeline import campaign_responses_timeline_log
from dangol.marketing.models import CampaignMember, CampaignResponse

# Only a member who was sent something can respond to it.
RESPONDING_STATUSES = (MemberStatus.SENT, MemberStatus.SKIPPED_UNKNOWN)
UNSUBSCRIBE_SOURCE = "unsubscribe link, campaign {campaign_id}"


def _member(member_id: int, *, lock: bool = False) -> CampaignMember:
    members = CampaignMember.objects.select_related("campaign", "customer")
    if lock:
        members = members.select_for_update()
    member = members.filter(
        pk=member_id, arm=MemberArm.TREATMENT, status__in=RESPONDING_STATUSES
    ).first()
    if member is None:
        raise NotFoundError("No such message", field="token")
    return member


def _respond(member: CampaignMember, kind: str, *, when, url: str = "") -> CampaignResponse:
    response = CampaignResponse.objects.create(member=member, kind=kind, occurred_at=when, url=url)
    campaign_responses_timeline_log(campaign=member.campaign, response_ids=[response.pk])
    return response


def _open(member: CampaignMember, *, when) -> bool:
    first = CampaignMember.objects.filter(pk=member.pk, opened_at__isnull=True).update(
        opened_at=when, updated_at=when
    )
    if first:
        _respond(member, ResponseKind.OPEN, when=when)
    return bool(first)


def _bad_token(exc: tokens.BadToken) -> NotFoundError:
    return NotFoundError("No such message", field="token")


@transaction.atomic
def member_open_record(*, token: str) -> bool:
    """Record that the member in an open token opened the message; return if first.

    :raises NotFoundError: the token is forged or damaged, or names no sent message.
    """
    try:
        member_id = tokens.open_token_read(token)
    except tokens.BadToken as exc:
        raise _bad_token(exc) from exc
    return _open(_member(member_id), when=timezone.now())


@transaction.atomic
def member_click_record(*, token: str) -> str:
    """Record a click on a tracked link and return the URL the message linked to.

    The URL comes only from the signed token, so the redirect goes nowhere the message
    did not link to.

    :raises NotFoundError: the token is forged, damaged or not an http(s) link.
    """
    try:
        target = tokens.click_token_read(token)
    except tokens.BadToken as exc:
        raise _bad_token(exc) from exc
    if not target.url.lower().startswith(("http://", "https://")):
        raise NotFoundError("No such link", field="token")
    member = _member(target.member_id, lock=True)
    when = timezone.now()
    _open(member, when=when)
    clicked = CampaignResponse.objects.filter(
        member=member, kind=ResponseKind.CLICK, url=target.url
    ).exists()
    if not clicked:
        CampaignMember.objects.filter(pk=member.pk, clicked_at__isnull=True).update(
            clicked_at=when, updated_at=when
        )
        _respond(member, ResponseKind.CLICK, when=when, url=target.url)
    return target.url


def unsubscribe_member(*, token: str) -> CampaignMember:
    """Return the member an unsubscribe token names (for the confirmation page).

    :raises NotFoundError: the token is forged or damaged, or names no sent message.
    """
    try:
        member_id = tokens.unsubscribe_token_read(token)
    except tokens.BadToken as exc:
        raise _bad_token(exc) from exc
    return _member(member_id)


@transaction.atomic
def member_unsubscribe(*, token: str) -> bool:
    """Unsubscribe the customer an unsubscribe token names; return if this was new.

    Withdraws every marketing consent the customer still gives, each with a proof event
    (``customers.services.customer_consent_set``, source "unsubscribe link, campaign N"),
    records the global opt-out and one ``unsubscribe`` response. Idempotent.

    :raises NotFoundError: the token is forged or damaged, or names no sent message.
    """
    from dangol.customers.services import customer_consent_set

    member = _member(unsubscribe_member(token=token).pk, lock=True)
    customer = member.customer
    when = timezone.now()
    source = UNSUBSCRIBE_SOURCE.format(campaign_id=member.campaign_id)
    for channel in ConsentChannel.values:
        if customer.consent_for(channel):
            customer_consent_set(
                actor=None,
                customer=customer,
                channel=channel,
                granted=False,
                source=source,
                occurred_at=when,
            )
    _unsubscribe_record(customer=customer, campaign=member.campaign, source=source, when=when)
    if CampaignResponse.objects.filter(member=member, kind=ResponseKind.UNSUBSCRIBE).exists():
        return False
    _respond(member, ResponseKind.UNSUBSCRIBE, when=when)
    return True


def _unsubscribe_record(*, customer, campaign, source: str, when) -> None:
    """Keep the global opt-out beside the withdrawn consents (suppression reads it)."""
    from dangol.marketing.models import Unsubscribe

    Unsubscribe.objects.get_or_create(
        customer=customer,
        defaults={"occurred_at": when, "source": source[:100], "campaign": campaign},
    )
