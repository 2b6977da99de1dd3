"""Records of the analytics: each trained model version and what it scored."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangol.core.models import BaseModel


class ModelKind(models.TextChoices):
    CLV = "clv", _("Lifetime value (BG/NBD + Gamma-Gamma)")
    CHURN = "churn", _("Churn risk")
    RECOMMEND = "recommend", _("Cross-sell and up-sell")
    RESPONSE = "response", _("Campaign response")


class ModelRun(BaseModel):
    """One trained version of a predictive model: its model card.

    ``version`` counts up per kind. ``metrics`` holds what validation measured (AUC, lift,
    hit rate, holdout tracking); ``params`` the fitted parameters and settings; ``charts``
    the small series the model page draws (gain curve, calibration, tracking), in the
    format of ``analytics/modelcards/charts.py`` (``{name: {"type": "line"|"bar"|"scatter",
    "title", "x", "series": {label: values}}}``; docs/analytics.md "Model cards"). Record
    runs through ``modelcards.services.model_run_create``, which numbers the version.
    ``artifact`` is a file under ``DANGOL_DATA_DIR/models/`` when the model is kept for
    scoring later.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ModelKind.choices)
    version = models.PositiveIntegerField(_("version"))
    algorithm = models.CharField(_("algorithm"), max_length=80, blank=True, default="")
    data_from = models.DateField(_("data from"), null=True, blank=True)
    data_to = models.DateField(_("data to"), null=True, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    charts = models.JSONField(_("chart data"), default=dict, blank=True)
    rows_trained = models.PositiveBigIntegerField(_("rows trained on"), default=0)
    customers_scored = models.PositiveBigIntegerField(_("customers scored"), default=0)
    artifact = models.CharField(_("artifact file"), max_length=300, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("run by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True, default="")

    class Meta:
        verbose_name = _("model run")
        verbose_name_plural = _("model runs")
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="modelrun_kind_version"),
            models.CheckConstraint(
                condition=models.Q(kind__in=ModelKind.values), name="modelrun_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class RecommendationKind(models.TextChoices):
    CROSS = "cross", _("Cross-sell")
    UP = "up", _("Up-sell")


class Recommendation(models.Model):
    """One product recommended to one customer by a recommendation run.

    The whole table is replaced by each run (``recommend.services``), so rows carry no
    timestamps of their own: ``model_run`` says when and how they were made. ``rank``
    counts from 1 within (customer, kind).
    """

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="recommendations",
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="recommendations",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RecommendationKind.choices)
    score = models.FloatField(_("score"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    model_run = models.ForeignKey(
        ModelRun,
        verbose_name=_("model run"),
        on_delete=models.CASCADE,
        related_name="recommendations",
    )

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind", "rank"], name="recommendation_customer_kind_rank"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=RecommendationKind.values),
                name="recommendation_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(rank__gte=1), name="recommendation_rank_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} -> {self.product_id} ({self.kind} #{self.rank})"


class ResponseSourceKind(models.TextChoices):
    CSV = "csv", _("CSV file")
    CAMPAIGN = "campaign", _("Past campaign")


class ResponseStudy(BaseModel):
    """A campaign response modelling study: the data and the SEMMA choices made on it.

    ``source_ref`` is the stored CSV's path (under ``DANGOL_DATA_DIR/response/``) or the
    campaign's id. Sample: ``row_filter`` ({column: [kept values]}), ``validation_share``
    and ``seed``. Modify: ``features``, a list of {"name", "transform", "bins"}. Each model
    trained on the study is a ``ModelRun`` of kind "response" naming the study in params.
    """

    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source"), max_length=20, choices=ResponseSourceKind.choices)
    source_ref = models.CharField(_("source reference"), max_length=500)
    response_column = models.CharField(_("response column"), max_length=100)
    join_warehouse_features = models.BooleanField(_("join warehouse features"), default=False)
    row_filter = models.JSONField(_("row filter"), default=dict, blank=True)
    validation_share = models.FloatField(_("validation share"), default=0.3)
    seed = models.PositiveIntegerField(_("random seed"), default=42)
    features = models.JSONField(_("features"), default=list, blank=True)
    rows = models.PositiveBigIntegerField(_("rows"), default=0)
    data_from = models.DateField(_("data from"), null=True, blank=True)
    data_to = models.DateField(_("data to"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("response study")
        verbose_name_plural = _("response studies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=ResponseSourceKind.values),
                name="responsestudy_source_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(validation_share__gt=0) & models.Q(validation_share__lt=1),
                name="responsestudy_validation_share_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name
