"""Admin for orders; placing an order and changing its status go through the services.

Lines are fixed once an order is placed (totals are derived from them), so the inline
is editable on the add page only.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from dangol.core.service_admin import LargeTableAdmin, ReadOnlyAdminMixin, ServiceAdminMixin
from dangol.sales import services
from dangol.sales.models import (
    AssignmentRule,
    Lead,
    Opportunity,
    OpportunityStageChange,
    Order,
    OrderLine,
    PipelineStage,
    Quote,
    QuoteLine,
    Task,
)

MONEY = DecimalField(max_digits=18, decimal_places=2)
LINE_TOTAL = ExpressionWrapper(F("quantity") * F("unit_price") - F("discount"), output_field=MONEY)


def order_total_subquery() -> Subquery:
    """Return the total of the outer order's lines as a correlated subquery.

    Evaluated only for the rows of the page shown, unlike a join with GROUP BY that
    the database may aggregate over every order before applying the LIMIT.
    """
    totals = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(total=Sum(LINE_TOTAL))
        .values("total")
    )
    return Subquery(totals, output_field=MONEY)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ("product", "quantity", "unit_price", "discount", "line_total")
    readonly_fields = ("line_total",)
    autocomplete_fields = ("product",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product").order_by("id")

    def get_extra(self, request, obj=None, **kwargs) -> int:
        return 3 if obj is None else 0

    def has_add_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("line total"))
    def line_total(self, line: OrderLine) -> Decimal | str:
        return line.total if line.pk else "-"


@admin.register(Order)
class OrderAdmin(ServiceAdminMixin, LargeTableAdmin):
    list_display = ("number", "customer", "ordered_at", "channel", "status", "total")
    list_filter = ("status", "channel")
    list_select_related = ("customer",)
    search_fields = ("=number",)
    autocomplete_fields = ("customer",)
    fields = ("number", "customer", "ordered_at", "channel", "status")
    inlines = (OrderLineInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(total=order_total_subquery())

    def get_readonly_fields(self, request, obj=None):
        # After placement only the status moves (through order_status_set).
        return ("number", "customer", "ordered_at", "channel") if obj is not None else ()

    def get_search_results(self, request, queryset, search_term):
        # An exact, indexed lookup; the default "=number" compiles to UPPER(...) = UPPER(...).
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(number=term), False

    @admin.display(description=_("total"), ordering="total")
    def total(self, order: Order) -> Decimal:
        return order.total if order.total is not None else Decimal("0")

    def save_model(self, request, obj, form, change):
        if change and "status" in form.changed_data:
            current = Order.objects.select_related("customer__owner").get(pk=obj.pk)
            services.order_status_set(
                actor=request.user, order=current, status=form.cleaned_data["status"]
            )
        # A new order is placed in save_related, once its lines are known.

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            # The service writes the lines; the admin's change message reads these.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if change:
            return
        lines = [
            services.OrderLineInput(
                product=line.cleaned_data["product"],
                quantity=line.cleaned_data["quantity"],
                unit_price=line.cleaned_data["unit_price"],
                discount=line.cleaned_data["discount"],
            )
            for formset in formsets
            for line in formset.forms
            if line.has_changed() and not line.cleaned_data.get("DELETE")
        ]
        data = form.cleaned_data
        order = services.order_create(
            actor=request.user,
            customer=data["customer"],
            number=data["number"],
            ordered_at=data["ordered_at"],
            channel=data["channel"],
            status=data["status"],
            lines=lines,
        )
        form.instance.pk = order.pk
        form.instance.refresh_from_db()
        form.instance._state.adding = False
        if formsets:
            formsets[0].new_objects = list(order.lines.all())


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    """Every order line, e.g. to see who bought a product; lines are written with orders."""

    list_display = ("order", "product", "quantity", "unit_price", "discount", "line_total")
    list_select_related = ("order", "product")
    search_fields = ("=order__number",)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(order__number=term), False

    @admin.display(description=_("line total"))
    def line_total(self, line: OrderLine) -> Decimal:
        return line.total


@admin.register(PipelineStage)
class PipelineStageAdmin(admin.ModelAdmin):
    """The pipeline's columns and their probabilities are configured here."""

    list_display = ("position", "code", "name", "name_ko", "probability", "is_won", "is_lost")
    ordering = ("position",)


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(admin.ModelAdmin):
    list_display = ("position", "name", "region", "customer_group")
    filter_horizontal = ("users",)


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    """Leads change through the pipeline pages and API (duplicate checks, assignment)."""

    list_display = ("id", "name", "company_name", "source", "status", "owner")
    list_filter = ("status", "source")
    list_select_related = ("owner",)


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("id", "name", "customer", "stage", "amount", "expected_close", "owner")
    list_filter = ("stage", "channel")
    list_select_related = ("customer", "stage", "owner")


@admin.register(OpportunityStageChange)
class OpportunityStageChangeAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("opportunity", "from_stage", "to_stage", "actor", "occurred_at")
    list_select_related = ("opportunity", "from_stage", "to_stage", "actor")


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    can_delete = False
    readonly_fields = ("product", "quantity", "unit_price", "discount")


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("number", "customer", "status", "valid_until", "order")
    list_select_related = ("customer", "order")
    inlines = [QuoteLineInline]


@admin.register(QuoteLine)
class QuoteLineAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("quote", "product", "quantity", "unit_price", "discount")
    list_select_related = ("quote", "product")


@admin.register(Task)
class TaskAdmin(LargeTableAdmin):
    list_display = ("title", "owner", "customer", "due_at", "done_at")
    list_select_related = ("owner", "customer")
    raw_id_fields = ("customer", "opportunity")
