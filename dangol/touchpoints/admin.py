"""Admin for the touchpoint log; new entries go through ``interaction_log``.

The log is a record of what happened, so entries are not edited afterwards.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dangol.core.service_admin import LargeTableAdmin, ServiceAdminMixin
from dangol.touchpoints.models import Interaction
from dangol.touchpoints.services import interaction_log


@admin.register(Interaction)
class InteractionAdmin(ServiceAdminMixin, LargeTableAdmin):
    list_display = ("occurred_at", "customer", "channel", "direction", "subject", "user")
    list_filter = ("channel", "direction")
    list_select_related = ("customer", "user")
    search_fields = ("customer__external_id",)
    search_help_text = _("Customer id or external id")
    autocomplete_fields = ("customer",)
    fields = (
        "customer",
        "channel",
        "direction",
        "subject",
        "body",
        "occurred_at",
        "outcome",
        "user",
        "concerns_display",
    )
    readonly_fields = ("user", "concerns_display")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        # Exact, indexed lookups on the customer; a substring search would scan the log.
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            return queryset.filter(customer_id=int(term)), False
        return queryset.filter(customer__external_id=term), False

    @admin.display(description=_("concerns"))
    def concerns_display(self, interaction: Interaction) -> str:
        if interaction.subject_type_id is None:
            return "-"
        return f"{interaction.subject_type.name} #{interaction.subject_id}"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        interaction = interaction_log(
            actor=request.user,
            customer=data["customer"],
            channel=data["channel"],
            direction=data["direction"],
            subject=data["subject"],
            body=data["body"],
            occurred_at=data["occurred_at"],
            outcome=data["outcome"],
        )
        obj.pk = interaction.pk
        obj.refresh_from_db()
        obj._state.adding = False
