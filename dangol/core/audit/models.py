"""The audit log: one row per change of an audited record (imported by core.models)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Moved to the trash")
    RESTORE = "restore", _("Restored from the trash")
    PURGE = "purge", _("Deleted permanently")
    ERASE = "erase", _("Personal data erased")
    REVERT = "revert", _("Restored an earlier version")
    IMPORT = "import", _("Imported")
    EXPORT = "export", _("Personal data exported")


class AuditEntry(models.Model):
    """One change of one record: who, when, which fields (old -> new), and the result.

    ``seq`` numbers a record's entries 1, 2, 3...: the "version" a person restores.
    ``snapshot`` holds the audited fields after the change, so any version can be
    restored without replaying the chain. Bulk imports write one entry per job with
    ``object_id`` null (see ``recording.audit_import_record``).
    The record is referenced by content type and id, not a foreign key: the history
    outlives a permanent delete.
    """

    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind")
    )
    object_id = models.PositiveBigIntegerField(_("record"), null=True, blank=True)
    seq = models.PositiveIntegerField(_("version"), default=1)
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who acted when no staff user did: "system", "customer" (the portal), "import".
    actor_label = models.CharField(_("by (system)"), max_length=40, blank=True, default="")
    at = models.DateTimeField(_("when"), default=timezone.now)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    snapshot = models.JSONField(_("snapshot"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["content_type", "object_id", "seq"], name="audit_record_seq"),
            models.Index(fields=["at"], name="audit_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AuditAction.values), name="audit_action_valid"
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "seq"],
                condition=Q(object_id__isnull=False),
                name="audit_record_seq_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} v{self.seq} {self.action}"
