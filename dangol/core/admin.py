"""Admin for background jobs: read-only, the work itself records them."""

from django.contrib import admin

from dangol.core.models import Job
from dangol.core.service_admin import ReadOnlyAdminMixin


@admin.register(Job)
class JobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "kind", "status", "created_by", "created_at", "finished_at")
    list_filter = ("status", "kind")
    list_select_related = ("created_by",)


from dangol.core.audit import admin as audit_admin  # noqa: E402, F401  (registers AuditEntry)
