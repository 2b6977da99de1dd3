"""Admin for the audit log: read-only; services write it."""

from django.contrib import admin

from dangol.core.audit.models import AuditEntry
from dangol.core.service_admin import LargeTableAdmin, ReadOnlyAdminMixin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("id", "content_type", "object_id", "seq", "action", "actor", "at")
    list_filter = ("action", "content_type")
    list_select_related = ("content_type", "actor")
    search_fields = ("=object_id",)
