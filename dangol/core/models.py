"""Shared model bases."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

# field -> {value: label}: the choices of a model field never change while the process runs
# (fields with callable choices are left out and looked up as Django does).
_CHOICE_LABELS: dict[models.Field, dict] = {}


class FastDisplayMixin:
    """Make ``get_<field>_display()`` look its label up in a dict built once per field.

    Django rebuilds the dict of a field's choices on every call; pages print these labels
    in every row (the 360 page ~30 times), so that was a measurable share of their CPU.
    The result is the same: the label (translated now, in the active language) or the
    value itself when it is not one of the choices.
    """

    def _get_FIELD_display(self, field):
        labels = _CHOICE_LABELS.get(field)
        if labels is None:
            if not isinstance(field.choices, list | tuple):
                return super()._get_FIELD_display(field)
            labels = _CHOICE_LABELS[field] = dict(make_hashable(field.flatchoices))
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value (a list in a JSON field's choices)
            label = labels.get(make_hashable(value), value)
        return force_str(label, strings_only=True)


class BaseModel(FastDisplayMixin, models.Model):
    """Give every domain model ``created_at`` and ``updated_at``.

    ``created_at`` takes a default rather than ``auto_now_add`` so that imports and the
    demo generator can write historical creation times in bulk.
    """

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Job(BaseModel):
    """One piece of background work a person started and may watch (an import, a refresh).

    The row holds the lifecycle; live progress is kept beside it in a small file (see
    ``core/jobs.py``) because a long import holds a write transaction that, on SQLite,
    would block a progress UPDATE from any other connection.
    """

    kind = models.CharField(_("kind"), max_length=60)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True, default="")
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["kind", "-id"], name="job_kind_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=JobStatus.values), name="job_status_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


# The custom-field definitions and the audit log live in their own packages; importing
# them here registers the models with the core app (they need BaseModel above, hence the
# late imports).
from dangol.core.audit.models import AuditAction, AuditEntry  # noqa: E402
from dangol.core.customfields.models import (  # noqa: E402
    CustomFieldDefinition,
    CustomFieldEntity,
    CustomFieldType,
)

__all__ = [
    "AuditAction",
    "AuditEntry",
    "BaseModel",
    "CustomFieldDefinition",
    "CustomFieldEntity",
    "CustomFieldType",
    "Job",
    "JobStatus",
]
