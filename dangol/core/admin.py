"""Admin for background jobs and custom-field definitions: read-only."""

from django.contrib import admin

from dangol.core.models import CustomFieldDefinition, Job
from dangol.core.service_admin import ReadOnlyAdminMixin


@admin.register(Job)
class JobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "kind", "status", "created_by", "created_at", "finished_at")
    list_filter = ("status", "kind")
    list_select_related = ("created_by",)


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only here: definitions change on Settings > Custom fields, which asks before
    a change touches stored values (the admin form could not)."""

    list_display = ("entity", "key", "label", "field_type", "required", "archived", "order")
    list_filter = ("entity", "field_type", "archived")
    search_fields = ("key", "label", "label_ko")


from dangol.core.audit import admin as audit_admin  # noqa: E402, F401  (registers AuditEntry)
