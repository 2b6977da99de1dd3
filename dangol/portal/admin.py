"""Admin for portal access: partners, their customers, and portal accounts."""

from django.contrib import admin

from dangol.portal.models import Partner, PartnerCustomer, PartnerLead, PortalAccount


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(PartnerCustomer)
class PartnerCustomerAdmin(admin.ModelAdmin):
    list_display = ("partner", "customer")
    raw_id_fields = ("customer",)
    list_select_related = ("partner", "customer")


@admin.register(PartnerLead)
class PartnerLeadAdmin(admin.ModelAdmin):
    list_display = ("partner", "lead")
    raw_id_fields = ("lead",)
    list_select_related = ("partner", "lead")


@admin.register(PortalAccount)
class PortalAccountAdmin(admin.ModelAdmin):
    list_display = ("user", "customer", "partner")
    raw_id_fields = ("user", "customer")
    list_select_related = ("user", "customer", "partner")
