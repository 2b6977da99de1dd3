"""Admin of automation: rules and templates are built on the automation pages (through the
services, with their checks); the admin shows them, the run log and the threshold state.
"""

from __future__ import annotations

from django.contrib import admin

from dangol.automation.models import EmailTemplate, Rule, RuleMatch, RuleRun
from dangol.core.service_admin import LargeTableAdmin, ReadOnlyAdminMixin


@admin.register(Rule)
class RuleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "entity", "trigger", "active", "created_by", "updated_at")
    list_filter = ("entity", "trigger", "active")
    search_fields = ("name",)


@admin.register(EmailTemplate)
class EmailTemplateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "subject", "updated_at")
    search_fields = ("name",)


@admin.register(RuleRun)
class RuleRunAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("id", "rule", "entity", "record_id", "trigger_key", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("rule",)


@admin.register(RuleMatch)
class RuleMatchAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("id", "rule", "record_id", "since")
    list_select_related = ("rule",)
