"""Admin for the service desk's configuration and, read-only, its tickets.

Tickets change through the service functions (SLA dues, history, emails), so the admin
shows them without editing; calendars, holidays, SLA targets, queues and categories are
configured here.
"""

from django.contrib import admin

from dangol.core.service_admin import LargeTableAdmin, ReadOnlyAdminMixin
from dangol.service.models import (
    BusinessCalendar,
    Holiday,
    Queue,
    SatisfactionSurvey,
    SlaPolicy,
    Ticket,
    TicketCategory,
    TicketChange,
    TicketMessage,
)


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone")
    inlines = [HolidayInline]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "calendar")
    list_filter = ("calendar",)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("priority", "first_response_minutes", "resolution_minutes", "calendar")


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_ko", "team")


@admin.register(TicketCategory)
class TicketCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_ko")


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("id", "subject", "customer", "status", "priority", "queue", "assignee")
    list_filter = ("status", "priority", "channel")
    list_select_related = ("customer", "queue", "assignee")


@admin.register(TicketMessage)
class TicketMessageAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("ticket", "kind", "from_address", "occurred_at")
    list_select_related = ("ticket",)


@admin.register(TicketChange)
class TicketChangeAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("ticket", "field", "old", "new", "actor", "occurred_at")
    list_select_related = ("ticket", "actor")


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("ticket", "score", "answered_at")
    list_select_related = ("ticket",)
