"""Admin for the product catalogue; writes go through ``dangol.catalog.services``."""

from __future__ import annotations

from django.contrib import admin

from dangol.catalog import services
from dangol.catalog.models import Category, Product
from dangol.core.service_admin import ServiceAdminMixin


@admin.register(Category)
class CategoryAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Categories are added here; a rename would have to rewrite every descendant's
    path, which no service does yet, so existing categories are shown read-only."""

    list_display = ("path", "depth")
    search_fields = ("path",)
    fields = ("name", "parent", "path", "depth")
    readonly_fields = ("path", "depth")
    autocomplete_fields = ("parent",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        category = services.category_create(
            actor=request.user, name=data["name"], parent=data.get("parent")
        )
        obj.pk = category.pk
        obj.refresh_from_db()
        obj._state.adding = False


@admin.register(Product)
class ProductAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("sku", "name", "category", "unit_price", "unit_cost", "active")
    list_filter = ("active", "category")
    list_select_related = ("category",)
    search_fields = ("sku", "name")
    autocomplete_fields = ("category",)
    fields = ("sku", "name", "category", "unit_price", "unit_cost", "active", "custom_fields")
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            current = Product.objects.get(pk=obj.pk)
            changes = {name: data[name] for name in form.changed_data if name in form.fields}
            product = services.product_update(actor=request.user, product=current, **changes)
        else:
            fields = {name: data[name] for name in self.fields}
            product = services.product_create(actor=request.user, **fields)
        obj.pk = product.pk
        obj.refresh_from_db()
        obj._state.adding = False
