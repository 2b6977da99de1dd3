"""Admin for model runs (model cards): read-only, training records them."""

from django.contrib import admin

from dangol.analytics.models import ModelRun, Recommendation, ResponseStudy
from dangol.core.service_admin import LargeTableAdmin, ReadOnlyAdminMixin


@admin.register(ModelRun)
class ModelRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "version", "algorithm", "data_to", "created_by", "created_at")
    list_filter = ("kind",)
    list_select_related = ("created_by",)


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("customer", "kind", "rank", "product", "score", "model_run")
    list_filter = ("kind",)
    list_select_related = ("customer", "product", "model_run")
    raw_id_fields = ("customer", "product", "model_run")


@admin.register(ResponseStudy)
class ResponseStudyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "source", "response_column", "rows", "created_by", "created_at")
    list_filter = ("source",)
    list_select_related = ("created_by",)
