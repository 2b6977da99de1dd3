"""Admin for tracked sites (through the services) and, read-only, linked visits."""

from django.contrib import admin

from dangol.core.service_admin import ReadOnlyAdminMixin, ServiceAdminMixin
from dangol.webanalytics import services
from dangol.webanalytics.models import Site, VisitInteraction


@admin.register(Site)
class SiteAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("key", "name", "active", "first_party_id")
    list_filter = ("active",)
    search_fields = ("key", "name")
    fields = ("key", "name", "allowed_origins", "search_param", "first_party_id", "active")

    def get_readonly_fields(self, request, obj=None):
        return ("key",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.site_update(
                site=obj,
                name=data["name"],
                allowed_origins=data["allowed_origins"],
                search_param=data["search_param"],
                first_party_id=data["first_party_id"],
                active=data["active"],
            )
            return
        site = services.site_create(
            key=data["key"],
            name=data["name"],
            allowed_origins=data["allowed_origins"],
            search_param=data["search_param"],
            first_party_id=data["first_party_id"],
        )
        obj.pk = site.pk
        obj.refresh_from_db()
        obj._state.adding = False


@admin.register(VisitInteraction)
class VisitInteractionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("visit_id", "customer", "interaction", "created_at")
    list_select_related = ("customer", "interaction")
    raw_id_fields = ("customer", "interaction")
