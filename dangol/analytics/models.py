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
