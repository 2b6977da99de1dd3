"""Admin for segments and campaigns.

Everything here is read-only: segments and campaigns are edited on the marketing pages
(and the API), which validate the rule tree and the campaign through the services;
members and responses are written only by the campaign services and the execution.
"""

from django.contrib import admin

from dangol.core.service_admin import LargeTableAdmin, ReadOnlyAdminMixin
from dangol.marketing.models import (
    Campaign,
    CampaignMember,
    CampaignResponse,
    Segment,
    SegmentMember,
    Unsubscribe,
)


@admin.register(Segment)
class SegmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "size", "snapshot_at", "created_by", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name",)
    list_select_related = ("created_by",)


@admin.register(SegmentMember)
class SegmentMemberAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("segment", "customer")
    list_select_related = ("segment", "customer")
    raw_id_fields = ("segment", "customer")


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "goal", "channel", "status", "segment", "scheduled_at", "launched_at")
    list_filter = ("status", "channel", "goal")
    search_fields = ("name",)
    list_select_related = ("segment",)


@admin.register(CampaignMember)
class CampaignMemberAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("campaign", "customer", "arm", "status", "suppression_reason", "sent_at")
    list_filter = ("arm", "status", "suppression_reason")
    list_select_related = ("campaign", "customer")
    raw_id_fields = ("campaign", "customer", "assigned_to")


@admin.register(CampaignResponse)
class CampaignResponseAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("member", "kind", "occurred_at", "order_id", "revenue")
    list_filter = ("kind",)
    raw_id_fields = ("member",)


@admin.register(Unsubscribe)
class UnsubscribeAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("customer", "occurred_at", "source", "campaign")
    list_select_related = ("customer", "campaign")
    raw_id_fields = ("customer", "campaign")
