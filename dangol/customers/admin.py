"""Admin for the customer record; every save goes through ``dangol.customers.services``."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dangol.accounts.roles import user_role
from dangol.core.audit.services import record_trash
from dangol.core.service_admin import (
    LargeTableAdmin,
    ReadOnlyAdminMixin,
    ServiceAdminMixin,
    ServiceModelForm,
)
from dangol.customers import permissions, selectors, services
from dangol.customers.choices import ConsentChannel, CustomerKind
from dangol.customers.models import (
    CategoryBudget,
    ConsentEvent,
    Customer,
    CustomerChurnBand,
    CustomerGroup,
    CustomerMerge,
    CustomerScore,
)

# How many matches an admin search offers (newest first): enough to find a record,
# bounded at any table size.
SEARCH_LIMIT = 200
CONSENT_SOURCE = "admin"


class CustomerAdminForm(ServiceModelForm):
    # The version the editor read: a second editor saving over the first is told.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Customer
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["expected_version"].initial = self.instance.version
            # A change without the version read would be last-writer-wins: refuse it.
            self.fields["expected_version"].required = True


class ConsentEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The consent proof of one customer; it is written only by ``customer_consent_set``."""

    model = ConsentEvent
    fields = ("occurred_at", "channel", "granted", "source", "actor")
    readonly_fields = fields
    extra = 0
    ordering = ("-occurred_at", "-id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Customer)
class CustomerAdmin(ServiceAdminMixin, LargeTableAdmin):
    form = CustomerAdminForm
    list_display = (
        "name",
        "kind",
        "email",
        "phone",
        "customer_group",
        "region",
        "status",
        "owner",
    )
    list_filter = ("kind", "status", "region", "customer_group")
    list_select_related = ("customer_group", "owner")
    search_fields = ("name", "email", "external_id")
    search_help_text = _("Name, email, phone number or external id")
    autocomplete_fields = ("owner", "company")
    readonly_fields = ("version", "created_at", "updated_at")
    inlines = (ConsentEventInline,)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "kind",
                    "name",
                    "company",
                    "external_id",
                    "customer_group",
                    "status",
                    "owner",
                    "expected_version",
                )
            },
        ),
        (
            _("Contact"),
            {"fields": ("email", "phone", "region", "city", "gender", "birth_date")},
        ),
        (
            _("Marketing consent"),
            {
                "fields": (
                    "acquisition_channel",
                    "consent_email",
                    "consent_sms",
                    "consent_phone",
                    "consent_post",
                )
            },
        ),
        (_("Other"), {"fields": ("custom_fields", "version", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        # The admin shows each staff member what the UI shows them.
        return permissions.restrict_visible(super().get_queryset(request), request.user)

    def get_search_results(self, request, queryset, search_term):
        """Search like the customer list, through ``selectors.customer_list``.

        The admin's default ``icontains`` OR over several columns scans the whole table;
        the selector runs one indexed lookup per kind of term. The newest
        ``SEARCH_LIMIT`` matches are offered, then narrowed by the admin's list filters.
        """
        filters = None
        if request.GET.get("field_name") == "company":
            # The company picker offers companies only.
            filters = selectors.CustomerFilters(kind=CustomerKind.COMPANY)
            queryset = queryset.filter(kind=CustomerKind.COMPANY)
        term = search_term.strip()
        if not term:
            return queryset, False
        page = selectors.customer_list(
            user=request.user, query=term, filters=filters, size=SEARCH_LIMIT
        )
        return queryset.filter(pk__in=[customer.pk for customer in page.items]), False

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        if obj is None:
            return allowed and user_role(request.user) in permissions.ROLES_DELETING
        return allowed and permissions.can_delete(request.user, obj)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, _, _ = super().get_deleted_objects(objs, request)
        # "Delete" moves the customer to the trash: nothing goes, so neither read-only
        # related admins nor orders block it (the trash page deletes for good).
        return deleted, model_count, set(), set()

    def delete_model(self, request, obj):
        record_trash(instance=obj, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        # All or nothing: a customer the user may not delete leaves the others in place.
        for customer in queryset.select_related("owner"):
            record_trash(instance=customer, actor=request.user)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        editable = permissions.EDITABLE_FIELDS
        if change:
            current = Customer.objects.select_related("owner").get(pk=obj.pk)
            changes = {name: data[name] for name in form.changed_data if name in editable}
            customer = services.customer_update(
                actor=request.user,
                customer=current,
                expected_version=data["expected_version"],
                **changes,
            )
        else:
            fields = {name: data[name] for name in form.fields if name in editable}
            customer = services.customer_create(actor=request.user, **fields)
        for channel in ConsentChannel.values:
            name = f"consent_{channel}"
            if name in form.changed_data:
                services.customer_consent_set(
                    actor=request.user,
                    customer=customer,
                    channel=channel,
                    granted=data[name],
                    source=CONSENT_SOURCE,
                )
        obj.pk = customer.pk
        obj.refresh_from_db()
        obj._state.adding = False


@admin.register(CustomerGroup)
class CustomerGroupAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "name_ko")
    search_fields = ("code", "name", "name_ko")

    def save_model(self, request, obj, form, change):
        if change:
            # There is no update service: a group is a code and two labels, and the
            # model form has validated them.
            obj.save()
            return
        group = services.customer_group_create(code=obj.code, name=obj.name, name_ko=obj.name_ko)
        obj.pk = group.pk
        obj._state.adding = False


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ("occurred_at", "customer", "channel", "granted", "source", "actor")
    list_filter = ("channel", "granted")
    list_select_related = ("customer", "actor")


@admin.register(CustomerScore)
class CustomerScoreAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    """The analytic scores written back nightly; read-only here."""

    list_display = (
        "customer",
        "value_tier",
        "rfm_recency",
        "rfm_frequency",
        "rfm_monetary",
        "rfm_segment",
        "clv",
        "churn_probability",
        "response_probability",
        "computed_at",
    )
    list_filter = ("value_tier",)
    list_select_related = ("customer",)


@admin.register(CustomerChurnBand)
class CustomerChurnBandAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The home page's churn-band counts per owner, written with the churn scores; read-only."""

    list_display = ("owner", "band", "customers", "computed_at")
    list_filter = ("band",)
    list_select_related = ("owner",)


@admin.register(CategoryBudget)
class CategoryBudgetAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    """Category budgets come in by import (share of wallet); read-only here."""

    list_display = ("customer", "category", "annual_budget", "updated_at")
    list_select_related = ("customer", "category")


@admin.register(CustomerMerge)
class CustomerMergeAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    """Merges are made and undone on the duplicates page (through the merge service)."""

    list_display = ("created_at", "survivor", "duplicate", "actor", "undone_at")
    list_select_related = ("survivor", "duplicate", "actor")
