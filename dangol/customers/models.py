"""The customer record: people and companies, their consent and their analytic scores."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangol.core.models import BaseModel, FastDisplayMixin
from dangol.customers.choices import (
    AcquisitionChannel,
    ConsentChannel,
    CustomerKind,
    Gender,
    LifecycleStatus,
    Region,
    ValueTier,
)


class CustomerGroup(BaseModel):
    """A configurable customer group (the demo: wholesale, retail, industrial)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_ko = models.CharField(_("Korean name"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")

    def __str__(self) -> str:
        return self.name


class Customer(BaseModel):
    """A person or a company the business sells to; a person may work for a company.

    ``email`` is stored lower-cased and ``phone_digits`` holds the phone number reduced to
    digits in the national format, so lookups are exact index ranges.
    """

    kind = models.CharField(
        _("kind"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    company = models.ForeignKey(
        "self",
        verbose_name=_("company"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    external_id = models.CharField(
        _("external id"), max_length=64, unique=True, null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.CharField(_("email"), max_length=254, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=32, blank=True, default="")
    phone_digits = models.CharField(max_length=20, blank=True, default="", editable=False)
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, blank=True, default=""
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    region = models.CharField(
        _("region"), max_length=20, choices=Region.choices, blank=True, default=""
    )
    city = models.CharField(_("city"), max_length=64, blank=True, default="")
    customer_group = models.ForeignKey(
        CustomerGroup,
        verbose_name=_("customer group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
    )
    acquisition_channel = models.CharField(
        _("acquisition channel"),
        max_length=20,
        choices=AcquisitionChannel.choices,
        blank=True,
        default="",
    )
    status = models.CharField(
        _("lifecycle status"),
        max_length=10,
        choices=LifecycleStatus.choices,
        default=LifecycleStatus.LEAD,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_customers",
    )
    # Current consent per channel; the history with time and source is ConsentEvent.
    consent_email = models.BooleanField(_("email consent"), default=False)
    consent_sms = models.BooleanField(_("SMS consent"), default=False)
    consent_phone = models.BooleanField(_("phone consent"), default=False)
    consent_post = models.BooleanField(_("post consent"), default=False)
    # Administrator-defined fields (custom-field definitions arrive with their issue).
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Incremented on every write: the optimistic lock that tells a second writer.
    version = models.PositiveIntegerField(default=1, editable=False)
    # Set when this record was merged into another (a duplicate); lists hide it.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # Soft delete: set when the record was moved to the trash; it can be restored.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["name", "id"], name="customer_name_id"),
            models.Index(fields=["email"], name="customer_email"),
            models.Index(fields=["phone_digits"], name="customer_phone_digits"),
            models.Index(fields=["customer_group", "id"], name="customer_group_id"),
            models.Index(fields=["region", "id"], name="customer_region_id"),
            # A region seen by a few owners (customers/selectors.py, _region_ids).
            models.Index(fields=["region", "owner", "id"], name="customer_region_owner_id"),
            models.Index(fields=["status", "id"], name="customer_status_id"),
            models.Index(fields=["kind", "id"], name="customer_kind_id"),
            models.Index(fields=["owner", "id"], name="customer_owner_id"),
            models.Index(fields=["updated_at", "id"], name="customer_updated_id"),
            # Only the trash (a few rows): marketing's anti-join on it and the trash page
            # read this instead of the table (docs/privacy.md).
            models.Index(
                fields=["deleted_at"],
                condition=Q(deleted_at__isnull=False),
                name="customer_trashed",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CustomerKind.values), name="customer_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=LifecycleStatus.values), name="customer_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(company=models.F("id")), name="customer_not_own_company"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="customer_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("customers:detail", kwargs={"pk": self.pk})

    def consent_for(self, channel: str) -> bool:
        """Return the current consent for ``channel`` (email, sms, phone, post)."""
        return bool(getattr(self, f"consent_{ConsentChannel(channel).value}"))


class ConsentEvent(models.Model):
    """One grant or withdrawal of marketing consent: the proof of when and from where."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consent_events")
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    granted = models.BooleanField(_("granted"))
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    source = models.CharField(_("source"), max_length=100)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        indexes = [
            models.Index(fields=["customer", "channel", "-occurred_at"], name="consent_hist")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=ConsentChannel.values), name="consent_channel_valid"
            )
        ]

    def __str__(self) -> str:
        verb = "granted" if self.granted else "withdrawn"
        return f"{self.channel} {verb} {self.occurred_at:%Y-%m-%d}"


class CustomerScore(FastDisplayMixin, models.Model):
    """Analytic results written back to one customer (tier, RFM, CLV, churn risk).

    Kept apart from ``Customer`` so that a nightly write-back of a million scores does not
    touch ``Customer.updated_at`` (which drives incremental warehouse refreshes).
    """

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="score"
    )
    value_tier = models.CharField(
        _("value tier"), max_length=10, choices=ValueTier.choices, blank=True, default=""
    )
    rfm_recency = models.PositiveSmallIntegerField(_("R score"), null=True, blank=True)
    rfm_frequency = models.PositiveSmallIntegerField(_("F score"), null=True, blank=True)
    rfm_monetary = models.PositiveSmallIntegerField(_("M score"), null=True, blank=True)
    rfm_segment = models.CharField(_("RFM segment"), max_length=40, blank=True, default="")
    clv = models.DecimalField(_("lifetime value"), max_digits=14, decimal_places=2, null=True)
    p_alive = models.FloatField(_("probability alive"), null=True, blank=True)
    churn_probability = models.FloatField(_("churn risk"), null=True, blank=True)
    response_probability = models.FloatField(_("predicted response"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer score")
        verbose_name_plural = _("customer scores")
        indexes = [
            models.Index(fields=["value_tier", "customer"], name="score_tier"),
            models.Index(fields=["rfm_segment", "customer"], name="score_segment"),
            # Churn-risk bands and the at-risk count of the home page: range counts on it.
            models.Index(fields=["churn_probability", "customer"], name="score_churn"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.value_tier or '-'}"


class CustomerChurnBand(models.Model):
    """How many live scored customers one owner has per churn-risk band: the home page's count.

    Counting 620,000 customers through their scores costs a third of a second at 1,000,000
    customers; this summary holds a few rows per owner. It is rewritten whole, set-based,
    by every write of churn scores (``score_services.customer_churn_bands_refresh``) and
    kept exact across owner changes and the trash by ``customer_churn_bands_track``; writes
    that bypass the services are counted again by the next scoring run.
    ``owner`` is empty for customers nobody owns.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    band = models.PositiveSmallIntegerField(_("churn band"))
    customers = models.IntegerField(_("customers"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("churn band count")
        verbose_name_plural = _("churn band counts")
        indexes = [models.Index(fields=["owner", "band"], name="churn_band_owner")]
        constraints = [
            models.CheckConstraint(condition=Q(band__lte=3), name="churn_band_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id or '-'}/{self.band}: {self.customers}"


class CategoryBudget(BaseModel):
    """What a customer spends a year on one product category across all suppliers.

    Known from surveys, contracts or a B2B customer's purchasing plan and imported; it is
    the denominator of share of wallet (our revenue in the category / this budget).
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="category_budgets"
    )
    category = models.ForeignKey("catalog.Category", on_delete=models.CASCADE, related_name="+")
    annual_budget = models.DecimalField(_("annual budget"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("category budget")
        verbose_name_plural = _("category budgets")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "category"], name="categorybudget_customer_category"
            ),
            models.CheckConstraint(
                condition=Q(annual_budget__gte=0), name="categorybudget_budget_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} / {self.category_id}: {self.annual_budget}"


class CustomerMerge(BaseModel):
    """One merge of a duplicate into a survivor, with what moved, so it can be undone.

    ``moved`` maps ``app_label.model.field`` to the ids of the rows re-pointed from the
    duplicate to the survivor; ``filled`` holds the survivor's fields that were blank and
    were filled from the duplicate (with their old values).
    """

    survivor = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    duplicate = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    moved = models.JSONField(default=dict)
    filled = models.JSONField(default=dict)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        constraints = [
            models.CheckConstraint(
                condition=~Q(survivor=models.F("duplicate")), name="merge_two_customers"
            )
        ]

    def __str__(self) -> str:
        return f"{self.duplicate_id} -> {self.survivor_id}"
