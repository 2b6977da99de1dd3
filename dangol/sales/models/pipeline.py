"""The sales pipeline: leads, configurable stages with probabilities, opportunities."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangol.core.models import BaseModel
from dangol.sales.choices import LeadSource, LeadStatus, LossReason, OpportunityChannel


class PipelineStage(BaseModel):
    """One column of the pipeline; ``probability`` weighs its amounts in the forecast."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_ko = models.CharField(_("Korean name"), max_length=100, blank=True, default="")
    position = models.PositiveSmallIntegerField(_("position"))
    probability = models.PositiveSmallIntegerField(_("probability (%)"))
    is_won = models.BooleanField(_("won"), default=False)
    is_lost = models.BooleanField(_("lost"), default=False)

    class Meta:
        verbose_name = _("pipeline stage")
        verbose_name_plural = _("pipeline stages")
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__lte=100), name="stage_probability_percent"
            ),
            models.CheckConstraint(
                condition=~(Q(is_won=True) & Q(is_lost=True)), name="stage_not_won_and_lost"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.is_won or self.is_lost


class AssignmentRule(BaseModel):
    """Who gets a new lead: the first rule matching its region and group, round robin.

    A blank region or no group matches any lead; ``cursor`` remembers whose turn it is.
    """

    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)
    region = models.CharField(_("region"), max_length=20, blank=True, default="")
    customer_group = models.ForeignKey(
        "customers.CustomerGroup",
        verbose_name=_("customer group"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("salespeople"), related_name="+"
    )
    cursor = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("lead assignment rule")
        verbose_name_plural = _("lead assignment rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Lead(BaseModel):
    """Someone who may become a customer: captured, checked for duplicates, qualified."""

    name = models.CharField(_("name"), max_length=200)
    company_name = models.CharField(_("company"), max_length=200, blank=True, default="")
    email = models.EmailField(_("email"), blank=True, default="")
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    phone_digits = models.CharField(max_length=40, blank=True, default="", editable=False)
    region = models.CharField(_("region"), max_length=20, blank=True, default="")
    customer_group = models.ForeignKey(
        "customers.CustomerGroup",
        verbose_name=_("customer group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=20, choices=LeadSource.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    note = models.TextField(_("note"), blank=True, default="")
    duplicate_of = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("possible duplicate of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    converted_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("converted to customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["status", "-id"], name="lead_status"),
            models.Index(fields=["owner", "status"], name="lead_owner"),
            models.Index(fields=["email"], name="lead_email"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=LeadStatus.values), name="lead_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=LeadSource.values), name="lead_source_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=LeadStatus.CONVERTED) | Q(converted_customer__isnull=False),
                name="lead_converted_has_customer",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Opportunity(BaseModel):
    """A possible sale to a customer moving through the pipeline's stages."""

    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    lead = models.ForeignKey(
        Lead, on_delete=models.SET_NULL, null=True, blank=True, related_name="opportunities"
    )
    stage = models.ForeignKey(
        PipelineStage,
        verbose_name=_("stage"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    expected_close = models.DateField(_("expected close"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    channel = models.CharField(_("channel"), max_length=12, choices=OpportunityChannel.choices)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    loss_reason = models.CharField(
        _("loss reason"), max_length=20, choices=LossReason.choices, blank=True, default=""
    )
    outcome_note = models.TextField(_("win or loss note"), blank=True, default="")
    # Administrator-defined fields (definitions in core.CustomFieldDefinition).
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Soft delete: set when the record was moved to the trash; it can be restored.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["stage", "-id"], name="opportunity_stage"),
            models.Index(fields=["owner", "expected_close"], name="opportunity_owner_close"),
            models.Index(fields=["expected_close"], name="opportunity_close"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_nonneg"),
            models.CheckConstraint(
                condition=Q(channel__in=OpportunityChannel.values),
                name="opportunity_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(loss_reason="") | Q(loss_reason__in=LossReason.values),
                name="opportunity_loss_reason_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OpportunityStageChange(models.Model):
    """Each move of an opportunity between stages: the pipeline's history and velocity."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.ForeignKey(
        PipelineStage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    occurred_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            models.Index(fields=["opportunity", "occurred_at"], name="oppchange_opportunity")
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_id} -> {self.to_stage_id}"
