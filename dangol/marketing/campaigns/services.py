"""Writes of campaigns: create, edit, status changes, members and suppression.

The life of a campaign: ``draft`` (being written) -> ``scheduled`` (optional) -> ``running``
(launched: members built from the segment, split into treatment and control) ->
``paused``/``running`` -> ``completed``; ``cancelled`` from any state before completion.
Right before anything is sent the execution calls ``campaign_members_suppress``, and sends
only to ``arm=treatment, status=pending`` members.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from dangol.core.errors import ConflictError, PermissionDeniedError, ValidationError
from dangol.customers.models import Customer, CustomerScore
from dangol.marketing.campaigns.split import P, split_hash_sql
from dangol.marketing.choices import (
    CHANNEL_CONSENT,
    CampaignChannel,
    CampaignGoal,
    CampaignStatus,
    MemberArm,
    MemberStatus,
    SuppressionReason,
)
from dangol.marketing.errors import MarketingErrorCode
from dangol.marketing.models import Campaign, CampaignMember, Segment, Unsubscribe
from dangol.marketing.permissions import can_write_marketing
from dangol.marketing.segments.selectors import segment_customers, trashed_customer_ids

logger = logging.getLogger(__name__)

# Fields fixed once the campaign is launched: they decide who is in it and how.
STRUCTURAL = (
    "segment",
    "channel",
    "control_percent",
    "seed",
    "skip_bottom_tier",
    "goal",
)
EDITABLE = (
    *STRUCTURAL,
    "name",
    "offer",
    "scheduled_at",
    "budget",
    "cost_per_contact",
    "frequency_cap",
    "frequency_days",
    "attribution_days",
    "subject_en",
    "subject_ko",
    "body_en",
    "body_ko",
)
_S = CampaignStatus
TRANSITIONS = {
    _S.DRAFT: {_S.SCHEDULED, _S.RUNNING, _S.CANCELLED},
    _S.SCHEDULED: {_S.DRAFT, _S.RUNNING, _S.CANCELLED},
    _S.RUNNING: {_S.PAUSED, _S.COMPLETED, _S.CANCELLED},
    _S.PAUSED: {_S.RUNNING, _S.COMPLETED, _S.CANCELLED},
    _S.COMPLETED: set(),
    _S.CANCELLED: set(),
}
# Where a channel's address lives: a member without one cannot be reached.
CHANNEL_ADDRESS = {
    CampaignChannel.EMAIL: "email",
    CampaignChannel.SMS: "phone_digits",
    CampaignChannel.CALL: "phone_digits",
    # The record has no street address yet: the city is the least a mailing needs.
    CampaignChannel.MAIL: "city",
}


def _invalid(message: str, field: str, code=MarketingErrorCode.INVALID) -> ValidationError:
    return ValidationError(message, code=code, field=field)


def _check_actor(actor) -> None:
    if actor is not None and not can_write_marketing(actor):
        raise PermissionDeniedError(
            "Your role may not change campaigns", code=MarketingErrorCode.PERMISSION_DENIED
        )


def _int(value: Any, field: str, *, low: int, high: int, nullable: bool = False) -> int | None:
    if value is None or value == "":
        if nullable:
            return None
        raise _invalid(f"{field} is required", field, MarketingErrorCode.REQUIRED)
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise _invalid(f"{field} must be a whole number", field) from exc
    if isinstance(value, float) and value != number:
        raise _invalid(f"{field} must be a whole number", field)
    if not low <= number <= high:
        raise _invalid(f"{field} must be between {low} and {high}", field)
    return number


def _money(value: Any, field: str, *, nullable: bool) -> Decimal | None:
    if value is None or value == "":
        if nullable:
            return None
        raise _invalid(f"{field} is required", field, MarketingErrorCode.REQUIRED)
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise _invalid(f"{field} must be an amount", field) from exc
    if not amount.is_finite() or amount < 0 or amount >= Decimal(10) ** 12:
        raise _invalid(f"{field} must be a non-negative amount", field)
    return amount.quantize(Decimal("0.01"))


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        name = sorted(unknown)[0]
        raise _invalid(f"Unknown campaign field {name!r}", name)
    out = dict(fields)
    if "name" in out:
        out["name"] = str(out["name"] or "").strip()
        if not out["name"]:
            raise _invalid("A campaign needs a name", "name", MarketingErrorCode.REQUIRED)
        if len(out["name"]) > 200:
            raise _invalid("The name is longer than 200 characters", "name")
    for key, enum in (("goal", CampaignGoal), ("channel", CampaignChannel)):
        if key in out and out[key] not in enum.values:
            raise _invalid(f"Unknown {key} {out[key]!r}; allowed: {', '.join(enum.values)}", key)
    if "segment" in out and out["segment"] is not None and not isinstance(out["segment"], Segment):
        segment = Segment.objects.filter(pk=out["segment"]).first()
        if segment is None:
            raise _invalid(f"There is no segment {out['segment']!r}", "segment")
        out["segment"] = segment
    if "control_percent" in out:
        out["control_percent"] = _int(out["control_percent"], "control_percent", low=0, high=50)
    if "seed" in out:
        out["seed"] = _int(out["seed"], "seed", low=0, high=P - 1)
    if "frequency_cap" in out:
        out["frequency_cap"] = _int(
            out["frequency_cap"], "frequency_cap", low=1, high=1000, nullable=True
        )
    if "frequency_days" in out:
        out["frequency_days"] = _int(out["frequency_days"], "frequency_days", low=1, high=3660)
    if "attribution_days" in out:
        out["attribution_days"] = _int(out["attribution_days"], "attribution_days", low=1, high=365)
    if "budget" in out:
        out["budget"] = _money(out["budget"], "budget", nullable=True)
    if "cost_per_contact" in out:
        out["cost_per_contact"] = _money(
            out["cost_per_contact"], "cost_per_contact", nullable=False
        )
    if "skip_bottom_tier" in out:
        out["skip_bottom_tier"] = bool(out["skip_bottom_tier"])
    if "scheduled_at" in out and out["scheduled_at"] is not None:
        if not isinstance(out["scheduled_at"], dt.datetime):
            raise _invalid("scheduled_at must be a date and time", "scheduled_at")
        if timezone.is_naive(out["scheduled_at"]):
            out["scheduled_at"] = timezone.make_aware(out["scheduled_at"])
        # A campaign runs in this century: far dates are typos, and before 1900 local
        # time zones had odd second offsets that no client parses back.
        if not 2000 <= out["scheduled_at"].year <= 2100:
            raise _invalid("scheduled_at must be between the years 2000 and 2100", "scheduled_at")
    for key in ("offer", "subject_en", "subject_ko", "body_en", "body_ko"):
        if key in out:
            out[key] = str(out[key] or "")
            if key.startswith("subject") and len(out[key]) > 200:
                raise _invalid("A subject is at most 200 characters", key)
    if "body_en" in out or "body_ko" in out or "subject_en" in out or "subject_ko" in out:
        _templates_check(out)
    return out


def _templates_check(fields: dict[str, Any]) -> None:
    """Refuse e-mail text that is not a valid Django template (found at write, not send)."""
    from django.template import Engine, TemplateSyntaxError

    engine = Engine(
        libraries={}, builtins=["django.template.defaulttags", "django.template.defaultfilters"]
    )
    for key in ("subject_en", "subject_ko", "body_en", "body_ko"):
        text = fields.get(key)
        if text:
            try:
                engine.from_string(text)
            except TemplateSyntaxError as exc:
                raise _invalid(f"The template does not compile: {exc}", key) from exc


@transaction.atomic
def campaign_create(*, actor, name: str, goal: str, channel: str, **fields: Any) -> Campaign:
    """Create a draft campaign.

    :param fields: any of ``EDITABLE``; ``seed`` is drawn at random when not given (kept,
        so the control split is reproducible).
    :raises ValidationError: a field is invalid (``field`` names it).
    """
    _check_actor(actor)
    fields = _clean({"name": name, "goal": goal, "channel": channel, **fields})
    fields.setdefault("seed", secrets.randbelow(P))
    return Campaign.objects.create(created_by=actor, status=CampaignStatus.DRAFT, **fields)


@transaction.atomic
def campaign_update(*, actor, campaign: Campaign, **fields: Any) -> Campaign:
    """Change a campaign; who is in it and how is fixed once it is launched."""
    _check_actor(actor)
    fields = _clean(fields)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status in (CampaignStatus.COMPLETED, CampaignStatus.CANCELLED):
        raise ConflictError(
            "A finished campaign cannot be changed", code=MarketingErrorCode.WRONG_STATUS
        )
    if campaign.launched_at is not None:
        fixed = [k for k in STRUCTURAL if k in fields and fields[k] != getattr(campaign, k)]
        if fixed:
            raise ValidationError(
                f"{fixed[0]} cannot change after launch",
                code=MarketingErrorCode.WRONG_STATUS,
                field=fixed[0],
            )
    if (
        campaign.status != CampaignStatus.DRAFT
        and "segment" in fields
        and fields["segment"] is None
    ):
        raise _invalid("Only a draft may lack a segment", "segment", MarketingErrorCode.REQUIRED)
    for key, value in fields.items():
        setattr(campaign, key, value)
    campaign.save()
    return campaign


@transaction.atomic
def campaign_status_set(
    *, actor, campaign: Campaign, status: str, now: dt.datetime | None = None
) -> Campaign:
    """Move a campaign to ``status``; launching (the first ``running``) builds its members.

    :raises ConflictError: the change is not allowed from the current status.
    """
    _check_actor(actor)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    try:
        target = CampaignStatus(status)
    except ValueError as exc:
        raise _invalid(f"Unknown status {status!r}", "status") from exc
    current = CampaignStatus(campaign.status)
    if target not in TRANSITIONS[current]:
        raise ConflictError(
            f"A {current.value} campaign cannot become {target.value}",
            code=MarketingErrorCode.WRONG_STATUS,
        )
    now = now or timezone.now()
    if target in (CampaignStatus.SCHEDULED, CampaignStatus.RUNNING) and campaign.segment_id is None:
        raise _invalid("Choose a segment first", "segment", MarketingErrorCode.REQUIRED)
    if target == CampaignStatus.SCHEDULED and campaign.scheduled_at is None:
        raise _invalid("Choose when it starts", "scheduled_at", MarketingErrorCode.REQUIRED)
    campaign.status = target
    if target == CampaignStatus.RUNNING and campaign.launched_at is None:
        campaign.launched_at = now
        campaign.save()
        campaign_members_build(campaign=campaign, now=now)
    else:
        if target == CampaignStatus.COMPLETED:
            campaign.completed_at = now
        campaign.save()
    return campaign


def campaign_launch(*, actor, campaign: Campaign, now: dt.datetime | None = None) -> Campaign:
    """Launch a draft or scheduled campaign (members built, control held out)."""
    return campaign_status_set(
        actor=actor, campaign=campaign, status=CampaignStatus.RUNNING, now=now
    )


@transaction.atomic
def campaign_members_build(*, campaign: Campaign, now: dt.datetime | None = None) -> int:
    """Materialise the campaign's members from its segment; return how many there are.

    One ``INSERT ... SELECT`` over the segment's query: each customer is ranked by the
    split hash of (seed, customer id) and the first ``round(n * control_percent / 100)``
    go to control (see ``split.py``), all in the database. Idempotent: a campaign that
    already has members keeps them.
    """
    existing = CampaignMember.objects.filter(campaign=campaign).count()
    if existing:
        return existing
    if campaign.segment_id is None:
        raise _invalid("Choose a segment first", "segment", MarketingErrorCode.REQUIRED)
    segment = Segment.objects.get(pk=campaign.segment_id)
    sql, params = segment_customers(segment=segment).values("id").query.sql_with_params()
    stamp = connection.ops.adapt_datetimefield_value(now or timezone.now())
    rank = split_hash_sql("picked.id", campaign.seed)
    pct = int(campaign.control_percent)
    table = CampaignMember._meta.db_table
    insert = (
        f"INSERT INTO {table} (created_at, updated_at, campaign_id, customer_id, arm, status, "
        "suppression_reason, attempts, message_id, call_outcome) "
        "SELECT %s, %s, %s, ranked.id, "
        f"CASE WHEN ranked.rn <= (ranked.n * {pct} * 2 + 100) / 200 "
        "THEN 'control' ELSE 'treatment' END, 'pending', '', 0, '', '' "
        f"FROM (SELECT picked.id, ROW_NUMBER() OVER (ORDER BY {rank}, picked.id) AS rn, "
        f"COUNT(*) OVER () AS n FROM ({sql}) picked) ranked"
    )
    with connection.cursor() as cursor:
        cursor.execute(insert, [stamp, stamp, campaign.pk, *params])
    return CampaignMember.objects.filter(campaign=campaign).count()


@transaction.atomic
def campaign_members_suppress(*, campaign: Campaign, now: dt.datetime | None = None) -> int:
    """Mark pending members who must not be contacted now; return how many were marked.

    Run right before a send. Each rule is one set-based UPDATE over the pending members
    (a member already sent or being sent is never touched), in this order, the first
    that applies giving the reason:

    0. ``trashed``: the customer was moved to the trash after the launch;
    1. ``unsubscribed``: the customer opted out of all marketing (``Unsubscribe``);
    2. ``no_consent``: no current consent for the campaign's channel
       (email -> consent_email, sms -> consent_sms, call -> consent_phone, mail -> consent_post);
    3. ``no_address``: no e-mail address, phone number or city for the channel;
    4. ``bottom_tier``: ``skip_bottom_tier`` and the customer's value tier is bottom;
    5. ``frequency_cap``: the customer was sent ``frequency_cap`` or more contacts by other
       campaigns in the last ``frequency_days``.

    Control members go through the same rules (and are marked, never contacted) so that
    the review compares the eligible treated with the eligible control.
    """
    now = now or timezone.now()
    pending = CampaignMember.objects.filter(campaign=campaign, status=MemberStatus.PENDING)
    channel = CampaignChannel(campaign.channel)
    rules: list[tuple[str, Q]] = [
        (SuppressionReason.TRASHED, Q(customer_id__in=trashed_customer_ids())),
        (
            SuppressionReason.UNSUBSCRIBED,
            Q(customer_id__in=Unsubscribe.objects.values("customer_id")),
        ),
        (
            SuppressionReason.NO_CONSENT,
            Q(
                customer_id__in=Customer.objects.filter(
                    **{f"consent_{CHANNEL_CONSENT[channel]}": False}
                ).values("pk")
            ),
        ),
        (
            SuppressionReason.NO_ADDRESS,
            Q(
                customer_id__in=Customer.objects.filter(**{CHANNEL_ADDRESS[channel]: ""}).values(
                    "pk"
                )
            ),
        ),
    ]
    if campaign.skip_bottom_tier:
        rules.append(
            (
                SuppressionReason.BOTTOM_TIER,
                Q(
                    customer_id__in=CustomerScore.objects.filter(value_tier="bottom").values(
                        "customer_id"
                    )
                ),
            )
        )
    if campaign.frequency_cap:
        since = now - dt.timedelta(days=campaign.frequency_days)
        recent = (
            CampaignMember.objects.filter(sent_at__gte=since, sent_at__lte=now)
            .exclude(campaign=campaign)
            .values("customer_id")
            .annotate(contacts=Count("id"))
            .filter(contacts__gte=campaign.frequency_cap)
            .values("customer_id")
        )
        rules.append((SuppressionReason.FREQUENCY_CAP, Q(customer_id__in=recent)))
    marked = 0
    for reason, condition in rules:
        marked += pending.filter(condition).update(
            status=MemberStatus.SUPPRESSED, suppression_reason=reason, updated_at=now
        )
    return marked


def campaign_launch_due(*, now: dt.datetime | None = None) -> list[int]:
    """Launch every scheduled campaign whose time has come; return their ids.

    Run by the worker's sweep (``DANGOL_WORKER_SWEEPS``); each launch is its own
    transaction, so one campaign that cannot launch does not hold back the others.
    """
    now = now or timezone.now()
    due = Campaign.objects.filter(status=CampaignStatus.SCHEDULED, scheduled_at__lte=now)
    launched = []
    for campaign in due.order_by("scheduled_at", "id"):
        try:
            campaign_status_set(
                actor=None, campaign=campaign, status=CampaignStatus.RUNNING, now=now
            )
        except (ValidationError, ConflictError):
            continue  # changed meanwhile (unscheduled, segment removed): next sweep sees it
        launched.append(campaign.pk)
        _execute_launched(campaign)
    return launched


def _execute_launched(campaign: Campaign) -> None:
    """Start the send (email) or the provider file (SMS, mail) of a campaign just launched.

    Call campaigns wait for a person to deal their members to agents. A send that cannot
    start is logged; the campaign page still offers to start it by hand.
    """
    from dangol.marketing.execution.dispatch import campaign_execute

    try:
        campaign_execute(campaign=Campaign.objects.get(pk=campaign.pk), actor=None)
    except (ValidationError, ConflictError):
        logger.exception("Scheduled campaign %s launched but its send did not start", campaign.pk)


@transaction.atomic
def campaign_member_add(*, actor, campaign: Campaign, customer_id: int) -> CampaignMember | None:
    """Add one customer to a running campaign; return the new member (None: already in).

    Automation's "add to campaign" action, for an always-on campaign that takes
    customers as they qualify. The arm comes from the same split hash as the launch
    (``split_hash`` below ``control_percent`` percent of its range: control), so the
    campaign keeps a control group; suppression and sending treat the member like any
    other pending one.
    """
    from dangol.marketing.campaigns.split import split_hash

    _check_actor(actor)
    if campaign.status != CampaignStatus.RUNNING:
        raise ValidationError(
            "Only a running campaign takes members one by one",
            code=MarketingErrorCode.WRONG_STATUS,
            field="campaign",
        )
    if CampaignMember.objects.filter(campaign=campaign, customer_id=customer_id).exists():
        return None
    control = split_hash(seed=campaign.seed, customer_id=customer_id) * 100 < (
        P * campaign.control_percent
    )
    return CampaignMember.objects.create(
        campaign=campaign,
        customer_id=customer_id,
        arm=MemberArm.CONTROL if control else MemberArm.TREATMENT,
    )
