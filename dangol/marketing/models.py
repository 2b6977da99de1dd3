"""Segments, campaigns, their members and the responses they bring.

A ``Segment`` holds a rule tree (see ``segments/rules.py``) that compiles to one set-based
query; a static segment also keeps the snapshot in ``SegmentMember``. A ``Campaign``
reaches a segment through one channel; ``CampaignMember`` is one customer in it, in the
treatment or the (never contacted) control arm; ``CampaignResponse`` is one event
(open, click, conversion, unsubscribe, call outcome) of one member.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangol.core.models import BaseModel
from dangol.marketing.choices import (
    CampaignChannel,
    CampaignGoal,
    CampaignStatus,
    MemberArm,
    MemberStatus,
    ResponseKind,
    SegmentKind,
    SuppressionReason,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


class Segment(BaseModel):
    """A named rule over customers: evaluated live (dynamic) or frozen (static)."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    rule = models.JSONField(_("rule"), default=dict)
    kind = models.CharField(
        _("kind"), max_length=10, choices=SegmentKind.choices, default=SegmentKind.DYNAMIC
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # When the static snapshot was taken (null: dynamic, or never taken).
    snapshot_at = models.DateTimeField(_("snapshot taken at"), null=True, blank=True)
    # The size at the last count or snapshot; a cache, the rule is the truth.
    size = models.PositiveIntegerField(_("size"), null=True, blank=True)
    size_at = models.DateTimeField(_("size counted at"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SegmentKind.values), name="segment_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="segment_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class SegmentMember(models.Model):
    """One customer in the snapshot of a static segment."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="members")
    # A named (not hidden) reverse relation: code that clears customers finds this table
    # through Customer._meta.related_objects (the demo's TRUNCATE lists it).
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="segment_memberships"
    )

    class Meta:
        verbose_name = _("segment member")
        verbose_name_plural = _("segment members")
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "customer"], name="segmentmember_segment_customer"
            )
        ]
        indexes = [models.Index(fields=["customer"], name="segmentmember_customer")]

    def __str__(self) -> str:
        return f"{self.segment_id}: {self.customer_id}"


class Campaign(BaseModel):
    """An offer to a segment through one channel, with a held-out control group."""

    name = models.CharField(_("name"), max_length=200)
    goal = models.CharField(_("goal"), max_length=20, choices=CampaignGoal.choices)
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("segment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
    )
    offer = models.TextField(_("offer"), blank=True, default="")
    channel = models.CharField(_("channel"), max_length=10, choices=CampaignChannel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    budget = models.DecimalField(_("budget"), null=True, blank=True, **MONEY)
    cost_per_contact = models.DecimalField(_("cost per contact"), default=0, **MONEY)
    control_percent = models.PositiveSmallIntegerField(_("control group (%)"), default=10)
    # With the customer id, decides the arm by a hash: the same campaign, the same split.
    seed = models.BigIntegerField(_("seed"), default=0)
    skip_bottom_tier = models.BooleanField(_("skip the bottom value tier"), default=False)
    # At most ``frequency_cap`` contacts per customer in ``frequency_days`` (null: no cap).
    frequency_cap = models.PositiveSmallIntegerField(_("frequency cap"), null=True, blank=True)
    frequency_days = models.PositiveSmallIntegerField(_("frequency period (days)"), default=30)
    attribution_days = models.PositiveSmallIntegerField(_("attribution window (days)"), default=14)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True, default="")
    subject_ko = models.CharField(_("subject (Korean)"), max_length=200, blank=True, default="")
    body_en = models.TextField(_("body (English)"), blank=True, default="")
    body_ko = models.TextField(_("body (Korean)"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [models.Index(fields=["status", "id"], name="campaign_status_id")]
        constraints = [
            models.CheckConstraint(
                condition=Q(goal__in=CampaignGoal.values), name="campaign_goal_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=CampaignChannel.values), name="campaign_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CampaignStatus.values), name="campaign_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(control_percent__gte=0, control_percent__lte=50),
                name="campaign_control_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(cost_per_contact__gte=0), name="campaign_cost_nonnegative"
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="campaign_budget_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(frequency_days__gte=1), name="campaign_frequency_days_positive"
            ),
            models.CheckConstraint(
                condition=Q(segment__isnull=False) | Q(status="draft"),
                name="campaign_segment_unless_draft",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="campaign_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignMember(BaseModel):
    """One customer in one campaign: the arm, the send state and what came of it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="campaign_memberships"
    )
    arm = models.CharField(_("arm"), max_length=10, choices=MemberArm.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.PENDING
    )
    suppression_reason = models.CharField(
        _("suppression reason"),
        max_length=20,
        choices=SuppressionReason.choices,
        blank=True,
        default="",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    message_id = models.CharField(_("message id"), max_length=255, blank=True, default="")
    # Outbound call lists: the agent who calls this member, and what came of the call.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    call_outcome = models.CharField(_("call outcome"), max_length=40, blank=True, default="")
    # When the customer asked to be called back (execution/calls.py orders the list by it).
    callback_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked at"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    # The order is in sales; kept as a plain id so marketing does not own a sales FK.
    conversion_order_id = models.BigIntegerField(_("conversion order"), null=True, blank=True)
    conversion_revenue = models.DecimalField(
        _("conversion revenue"), null=True, blank=True, **MONEY
    )
    conversion_margin = models.DecimalField(_("conversion margin"), null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = _("campaign member")
        verbose_name_plural = _("campaign members")
        indexes = [
            models.Index(fields=["campaign", "status"], name="campaignmember_status"),
            models.Index(fields=["campaign", "arm"], name="campaignmember_arm"),
            # Frequency caps look up a customer's recent contacts across campaigns.
            models.Index(fields=["customer", "sent_at"], name="campaignmember_cust_sent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer"], name="campaignmember_campaign_customer"
            ),
            models.CheckConstraint(
                condition=Q(arm__in=MemberArm.values), name="campaignmember_arm_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=MemberStatus.values), name="campaignmember_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(suppression_reason__in=SuppressionReason.values),
                name="campaignmember_reason_valid",
            ),
            # A suppressed member says why; any other member carries no reason.
            models.CheckConstraint(
                condition=(Q(status="suppressed") & ~Q(suppression_reason=""))
                | (~Q(status="suppressed") & Q(suppression_reason="")),
                name="campaignmember_reason_iff_suppressed",
            ),
            # The control group is never contacted.
            models.CheckConstraint(
                condition=Q(arm="treatment") | Q(status__in=["pending", "suppressed"]),
                name="campaignmember_control_not_contacted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.customer_id} ({self.arm}, {self.status})"


class CampaignResponse(BaseModel):
    """One response event of one member (open, click, conversion, unsubscribe, call)."""

    member = models.ForeignKey(CampaignMember, on_delete=models.CASCADE, related_name="responses")
    kind = models.CharField(_("kind"), max_length=20, choices=ResponseKind.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    url = models.CharField(_("URL"), max_length=2000, blank=True, default="")
    order_id = models.BigIntegerField(_("order"), null=True, blank=True)
    revenue = models.DecimalField(_("revenue"), null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = _("campaign response")
        verbose_name_plural = _("campaign responses")
        indexes = [models.Index(fields=["member", "kind"], name="campaignresponse_member_kind")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ResponseKind.values), name="campaignresponse_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"


class Unsubscribe(BaseModel):
    """A customer's global opt-out of all marketing (the unsubscribe link, a request).

    Kept beside the per-channel consent: unsubscribing also withdraws every marketing
    consent through ``customers.services.customer_consent_set`` (the proof trail), and
    this row says the withdrawal was a global unsubscribe, so suppression can report
    ``unsubscribed`` rather than ``no_consent`` and a later single-channel grant does not
    silently re-enable everything. Deleting it (``customer_resubscribe``) lifts it.
    """

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="unsubscribe"
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    source = models.CharField(_("source"), max_length=100)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("unsubscribe")
        verbose_name_plural = _("unsubscribes")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.occurred_at:%Y-%m-%d}"
