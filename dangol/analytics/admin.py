"""Admin for model runs (model cards): read-only, training records them."""

from django.contrib import admin

from dangol.analytics.models import ModelRun
from dangol.core.service_admin import ReadOnlyAdminMixin


@admin.register(ModelRun)
class ModelRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "version", "algorithm", "data_to", "created_by", "created_at")
    list_filter = ("kind",)
    list_select_related = ("created_by",)
