"""Admin for webhooks: register endpoints (secret shown once), read the delivery log."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from dangol.core.service_admin import (
    LargeTableAdmin,
    ReadOnlyAdminMixin,
    ServiceAdminMixin,
    ServiceModelForm,
)
from dangol.integration.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from dangol.integration.webhooks.services import (
    webhook_endpoint_create,
    webhook_endpoint_update,
    webhook_test_send,
)


class WebhookEndpointForm(ServiceModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=_("event types"),
        choices=[(value, value) for value in WebhookEvent.values if value != WebhookEvent.PING],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "event_types", "active")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "description", "event_types", "active", "created_at")
    list_filter = ("active",)
    readonly_fields = ("created_by", "created_at")
    actions = ("send_test_event",)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            webhook_endpoint_update(
                actor=request.user,
                endpoint=WebhookEndpoint.objects.get(pk=obj.pk),
                url=data["url"],
                event_types=data["event_types"],
                description=data["description"],
                active=data["active"],
            )
            obj.refresh_from_db()
            return
        endpoint = webhook_endpoint_create(
            actor=request.user,
            url=data["url"],
            event_types=data["event_types"],
            description=data["description"],
        )
        if not data["active"]:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
        obj.pk = endpoint.pk
        obj.refresh_from_db()
        obj._state.adding = False
        # The only time the secret is shown: the receiver needs it to verify signatures.
        messages.warning(
            request,
            _("Signing secret (copy it now, it is not shown again): %(secret)s")
            % {"secret": endpoint.secret},
        )

    @admin.action(description=_("Send a test event"))
    def send_test_event(self, request, queryset):
        for endpoint in queryset:
            webhook_test_send(endpoint=endpoint)
        messages.success(
            request, _("Test event queued for %(count)d endpoint(s).") % {"count": len(queryset)}
        )


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("number", "attempted_at", "status_code", "error", "duration_ms")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = (
        "created_at",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "event_type")
    list_select_related = ("endpoint",)
    inlines = (WebhookAttemptInline,)


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("delivery", "number", "attempted_at", "status_code", "duration_ms")
    list_select_related = ("delivery",)
