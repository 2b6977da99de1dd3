"""Outbound-call campaigns as call lists: members dealt to agents, outcomes recorded.

``campaign_call_list_assign`` deals the treated members still pending after suppression
round-robin to the chosen agents (member ids in order: the first to agent 1, the second
to agent 2, ...). An agent's list (``call_list_for_agent``) puts callbacks that are due
first (earliest first), then members never called, then later callbacks; the script is
the campaign's offer. Each call's outcome is recorded with ``call_outcome_record``: it
is a response (kind ``call_outcome``) and a phone contact on the customer's timeline.

What an outcome does to the member:

- reached (interested, not interested, agreed to buy, do not call): ``sent`` (contacted)
  with the call time as ``sent_at``; "do not call" also withdraws phone consent with a
  proof event;
- no answer, busy: stays ``pending`` in the list to try again;
- call back: stays ``pending`` with ``callback_at``;
- wrong number: ``failed``.

The full call-center workspace (scripts per step, dialler) belongs to the service issue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangol.accounts.roles import Role, user_role
from dangol.core.errors import NotFoundError, PermissionDeniedError
from dangol.marketing.choices import (
    CampaignChannel,
    CampaignStatus,
    MemberArm,
    MemberStatus,
    ResponseKind,
)
from dangol.marketing.errors import MarketingErrorCode, ValidationError
from dangol.marketing.execution.suppress import members_suppress
from dangol.marketing.execution.timeline import campaign_responses_timeline_log
from dangol.marketing.models import Campaign, CampaignMember, CampaignResponse

ASSIGNERS = {Role.ADMIN, Role.MANAGER, Role.MARKETING}
CHUNK = 2000


class CallOutcome(models.TextChoices):
    INTERESTED = "interested", _("Interested")
    NOT_INTERESTED = "not_interested", _("Not interested")
    CONVERTED = "converted", _("Agreed to buy")
    DO_NOT_CALL = "do_not_call", _("Do not call again")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    CALLBACK = "callback", _("Call back later")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


REACHED = {
    CallOutcome.INTERESTED,
    CallOutcome.NOT_INTERESTED,
    CallOutcome.CONVERTED,
    CallOutcome.DO_NOT_CALL,
}
RETRY = {CallOutcome.NO_ANSWER, CallOutcome.BUSY, CallOutcome.CALLBACK}


@dataclass(frozen=True)
class CallListEntry:
    member_id: int
    campaign_id: int
    campaign_name: str
    script: str
    customer_id: int
    customer_name: str
    phone: str
    call_outcome: str
    callback_at: dt.datetime | None
    attempts: int


def _can_assign(user) -> bool:
    return user_role(user) in ASSIGNERS


@transaction.atomic
def campaign_call_list_assign(*, campaign: Campaign, agents: list, actor) -> dict[int, int]:
    """Deal the campaign's uncalled members round-robin to ``agents``; return counts.

    Suppression runs first, so only treated members still ``pending`` (with phone
    consent, not unsubscribed, under the frequency cap) are dealt. Members already
    assigned keep their agent.

    :returns: member count per agent id (those dealt by this call).
    :raises PermissionDeniedError: ``actor`` may not run campaigns.
    :raises ValidationError: not a launched call campaign, or no agents.
    """
    if not _can_assign(actor):
        raise PermissionDeniedError(
            "You may not assign call lists", code=MarketingErrorCode.INVALID
        )
    if campaign.channel != CampaignChannel.CALL:
        raise ValidationError(
            "Only an outbound-call campaign has call lists",
            code=MarketingErrorCode.INVALID,
            field="channel",
        )
    if campaign.launched_at is None or campaign.status != CampaignStatus.RUNNING:
        raise ValidationError(
            "Launch the campaign before assigning calls",
            code=MarketingErrorCode.INVALID,
            field="status",
        )
    agents = list(dict.fromkeys(a for a in agents if a is not None and a.is_active))
    if not agents:
        raise ValidationError(
            "Choose at least one agent", code=MarketingErrorCode.INVALID, field="agents"
        )
    members_suppress(campaign=campaign)
    ids = list(
        CampaignMember.objects.filter(
            campaign=campaign,
            arm=MemberArm.TREATMENT,
            status=MemberStatus.PENDING,
            assigned_to__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    counts: dict[int, int] = {}
    now = timezone.now()
    for index, agent in enumerate(agents):
        mine = ids[index :: len(agents)]
        for start in range(0, len(mine), CHUNK):
            CampaignMember.objects.filter(pk__in=mine[start : start + CHUNK]).update(
                assigned_to=agent, updated_at=now
            )
        counts[agent.pk] = len(mine)
    return counts


def call_list_for_agent(
    *, user, now: dt.datetime | None = None, limit: int = 200
) -> list[CallListEntry]:
    """Return ``user``'s calls to make, the next one first (see the module docstring)."""
    now = now or timezone.now()
    rows = (
        CampaignMember.objects.filter(
            assigned_to=user,
            arm=MemberArm.TREATMENT,
            status=MemberStatus.PENDING,
            campaign__status=CampaignStatus.RUNNING,
            campaign__channel=CampaignChannel.CALL,
        )
        .annotate(
            due_rank=Case(
                When(Q(callback_at__isnull=False, callback_at__lte=now), then=Value(0)),
                When(callback_at__isnull=True, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("due_rank", "callback_at", "pk")
        .values_list(
            "pk",
            "campaign_id",
            "campaign__name",
            "campaign__offer",
            "customer_id",
            "customer__name",
            "customer__phone",
            "call_outcome",
            "callback_at",
            "attempts",
        )[:limit]
    )
    return [CallListEntry(*row) for row in rows]


def call_member_get(*, user, member_id: int) -> CampaignMember:
    """Return the call-list member ``member_id`` if ``user`` may call it."""
    member = (
        CampaignMember.objects.select_related("campaign", "customer")
        .filter(pk=member_id, arm=MemberArm.TREATMENT, campaign__channel=CampaignChannel.CALL)
        .first()
    )
    if member is None or not (member.assigned_to_id == user.pk or _can_assign(user)):
        raise NotFoundError("No such call", field="member_id")
    return member


@transaction.atomic
def call_outcome_record(
    *,
    member: CampaignMember,
    actor,
    outcome: str,
    callback_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> CampaignResponse:
    """Record the outcome of one call to ``member`` by ``actor``; return the response.

    :raises NotFoundError: ``actor`` is not the member's agent (nor may assign calls).
    :raises ValidationError: an unknown outcome, a callback without a future time, or a
        member no longer waiting for a call.
    """
    from dangol.customers.services import customer_consent_set

    if not (member.assigned_to_id == actor.pk or _can_assign(actor)):
        raise NotFoundError("No such call", field="member_id")
    if outcome not in CallOutcome.values:
        raise ValidationError(
            f"Unknown call outcome {outcome!r}", code=MarketingErrorCode.INVALID, field="outcome"
        )
    now = now or timezone.now()
    if outcome == CallOutcome.CALLBACK and (callback_at is None or callback_at <= now):
        raise ValidationError(
            "Say when to call back (a time in the future)",
            code=MarketingErrorCode.INVALID,
            field="callback_at",
        )
    changes: dict = {"call_outcome": outcome, "updated_at": now}
    if outcome in REACHED:
        changes.update(status=MemberStatus.SENT, sent_at=now, callback_at=None)
    elif outcome == CallOutcome.WRONG_NUMBER:
        changes.update(status=MemberStatus.FAILED, callback_at=None)
    else:
        changes.update(callback_at=callback_at if outcome == CallOutcome.CALLBACK else None)
    updated = CampaignMember.objects.filter(
        pk=member.pk, status=MemberStatus.PENDING, arm=MemberArm.TREATMENT
    ).update(attempts=models.F("attempts") + 1, **changes)
    if not updated:
        raise ValidationError(
            "This customer is no longer on the call list",
            code=MarketingErrorCode.INVALID,
            field="member_id",
        )
    if outcome == CallOutcome.DO_NOT_CALL and member.customer.consent_phone:
        customer_consent_set(
            actor=None,
            customer=member.customer,
            channel="phone",
            granted=False,
            source=f"call, campaign {member.campaign_id}, agent {actor.get_username()}"[:100],
            occurred_at=now,
        )
    member.refresh_from_db()
    response = CampaignResponse.objects.create(
        member=member, kind=ResponseKind.CALL_OUTCOME, occurred_at=now, url=""
    )
    campaign_responses_timeline_log(campaign=member.campaign, response_ids=[response.pk])
    return response
