"""Customer pages: the searchable list and the customer 360 page.

Views only read and validate the query string, call the selectors and render.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from dangol.accounts.roles import user_role
from dangol.core.customfields.filters import custom_filter_fields, custom_filter_values
from dangol.core.customfields.selectors import custom_field_definitions, custom_list_columns
from dangol.core.errors import DangolError, NotFoundError
from dangol.core.pagination import parse_cursor
from dangol.core.widgets import FastSelect
from dangol.customers import permissions, selectors
from dangol.customers.choices import (
    ConsentChannel,
    CustomerKind,
    LifecycleStatus,
    Region,
    ValueTier,
)
from dangol.integration.downloads import EXPORT_TYPES, export_query, export_response
from dangol.integration.exporters import export_customers
from dangol.sales import selectors as sales_selectors
from dangol.touchpoints import selectors as touchpoint_selectors

ANY = ("", _("All"))


def _known(choices) -> list[tuple[str, str]]:
    """Return ``choices`` without the blank "unknown" value, after an "All" entry."""
    return [ANY, *[(value, label) for value, label in choices if value]]


class CustomerFilterForm(forms.Form):
    """The search box and the list filters; an invalid value is reported and ignored."""

    # The selects render without the template engine (FastSelect: same HTML, a fifth of
    # the list page's CPU less).
    q = forms.CharField(label=_("Search"), required=False, max_length=100, strip=True)
    kind = forms.ChoiceField(label=_("Kind"), required=False, widget=FastSelect)
    group = forms.ChoiceField(label=_("Customer group"), required=False, widget=FastSelect)
    region = forms.ChoiceField(label=_("Region"), required=False, widget=FastSelect)
    status = forms.ChoiceField(label=_("Status"), required=False, widget=FastSelect)
    owner = forms.TypedChoiceField(
        label=_("Owner"), required=False, coerce=int, empty_value=None, widget=FastSelect
    )
    tier = forms.ChoiceField(label=_("Value tier"), required=False, widget=FastSelect)
    risk = forms.ChoiceField(
        label=_("Churn risk"),
        required=False,
        widget=FastSelect,
        choices=[
            ANY,
            # xgettext:no-python-format
            ("high", _("At risk (50% or more)")),
            *[
                (f"b{band}", selectors.churn_band_label(band))
                for band in range(len(selectors.CHURN_BAND_EDGES))
            ],
        ],
    )

    def __init__(self, data, *, groups, owners) -> None:
        super().__init__(data)
        self.fields["kind"].choices = _known(CustomerKind.choices)
        self.fields["group"].choices = [
            ANY,
            *[(g.code, g.name_ko or g.name) if _korean() else (g.code, g.name) for g in groups],
        ]
        self.fields["region"].choices = _known(Region.choices)
        self.fields["status"].choices = _known(LifecycleStatus.choices)
        self.fields["owner"].choices = [ANY, *[(str(u.pk), str(u)) for u in owners]]
        self.fields["tier"].choices = _known(ValueTier.choices)
        # Read once per request: the filters, their condition and the list columns share them.
        self.custom_definitions = custom_field_definitions(entity="customer")
        self.fields.update(
            custom_filter_fields(entity="customer", definitions=self.custom_definitions)
        )

    def filters(self) -> tuple[str, selectors.CustomerFilters]:
        """Return the search text and the filters, leaving out every invalid value."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        for name in self.errors:
            data[name] = None
        return (data["q"] or ""), selectors.CustomerFilters(
            kind=data["kind"] or "",
            customer_group=data["group"] or "",
            region=data["region"] or "",
            status=data["status"] or "",
            owner=data["owner"],
            value_tier=data["tier"] or "",
            custom=custom_filter_values(data),
            custom_definitions=tuple(self.custom_definitions),
            at_risk=data["risk"] == "high",
            churn_band=int(data["risk"][1:]) if (data["risk"] or "").startswith("b") else None,
        )


def _korean() -> bool:
    return (get_language() or "").startswith("ko")


def _is_htmx(request: HttpRequest) -> bool:
    """Return whether to answer with the results partial (htmx swap, not history restore)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and "HX-Boosted" not in headers
        and "HX-History-Restore-Request" not in headers
    )


@login_required
@require_GET
def customer_list_view(request: HttpRequest) -> HttpResponse:
    """Render the customer list; an htmx request gets only the results table."""
    form = CustomerFilterForm(
        request.GET,
        groups=selectors.customer_group_list(),
        owners=selectors.customer_owner_choices(user=request.user),
    )
    query, filters = form.filters()
    page = selectors.customer_list(
        user=request.user,
        query=query,
        filters=filters,
        after=parse_cursor(request.GET.get("after")),
        before=parse_cursor(request.GET.get("before")),
        size=settings.DANGOL_PAGE_SIZE,
    )
    context = {
        "form": form,
        "page": page,
        "query": query,
        "active_nav": "customers",
        "export_query": export_query(request),
        "custom_columns": custom_list_columns(
            entity="customer", definitions=form.custom_definitions
        ),
    }
    template = "customers/_results.html" if _is_htmx(request) else "customers/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def customer_export_view(request: HttpRequest, suffix: str) -> HttpResponse:
    """Export every customer the list shows for the same query string (search included)."""
    if suffix not in EXPORT_TYPES:
        raise Http404
    form = CustomerFilterForm(
        request.GET,
        groups=selectors.customer_group_list(),
        owners=selectors.customer_owner_choices(user=request.user),
    )
    query, filters = form.filters()
    return export_response(
        lambda out: export_customers(
            out=out, fmt=EXPORT_TYPES[suffix][0], user=request.user, filters=filters, query=query
        ),
        suffix=suffix,
        name="dangol-customers",
    )


@login_required
@require_GET
def customer_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Render the customer 360 page: profile, consent, scores, orders and timeline."""
    try:
        customer = selectors.customer_get(user=request.user, pk=pk)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
    if customer.merged_into_id:
        # A merged duplicate lives on in its survivor; old links land there.
        return redirect("customers:detail", customer.merged_into_id)
    latest_consent = selectors.customer_consent_latest(customer=customer)
    orders, order_count = sales_selectors.order_list_and_count_for_customer(customer=customer)
    consents = [
        {
            "channel": label,
            "granted": customer.consent_for(value),
            "event": latest_consent[value],
        }
        for value, label in ConsentChannel.choices
    ]
    context = {
        "customer": customer,
        "company": customer.company,
        "contacts": (
            selectors.customer_contacts(user=request.user, company=customer)
            if customer.kind == CustomerKind.COMPANY
            else []
        ),
        "consents": consents,
        "score": selectors.customer_score(customer=customer),
        "orders": orders,
        "order_count": order_count,
        "timeline": touchpoint_selectors.customer_timeline(customer=customer),
        "active_nav": "customers",
    }
    return render(request, "customers/detail.html", context)


@login_required
@require_GET
def customer_timeline_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Render the 360 page's timeline alone: the page polls it so every channel shows live."""
    try:
        customer = selectors.customer_get(user=request.user, pk=pk)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
    timeline = touchpoint_selectors.customer_timeline(customer=customer)
    return render(request, "customers/_timeline.html", {"customer": customer, "timeline": timeline})


@login_required
@require_http_methods(["GET", "POST"])
def customer_duplicates_view(request: HttpRequest) -> HttpResponse:
    """List likely duplicates; merge one into another, or undo a recent merge."""
    from dangol.customers import merge as merging
    from dangol.customers.models import CustomerMerge

    if user_role(request.user) not in permissions.ROLES_DELETING:
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("undo"):
                record = CustomerMerge.objects.get(pk=int(request.POST["undo"]))
                merging.customer_unmerge(actor=request.user, merge=record)
            else:
                survivor = selectors.customer_get(
                    user=request.user, pk=int(request.POST["survivor"])
                )
                duplicate = selectors.customer_get(
                    user=request.user, pk=int(request.POST["duplicate"])
                )
                merging.customer_merge(actor=request.user, survivor=survivor, duplicate=duplicate)
        except (KeyError, ValueError, CustomerMerge.DoesNotExist):
            error = str(_("Choose two customers to merge."))
        except DangolError as exc:
            error = exc.message
        else:
            return redirect("customers:duplicates")
    groups = merging.customer_duplicates_list(user=request.user, limit=50)
    ids = {pk for group in groups for pk in group.customer_ids}
    by_id = {c.pk: c for c in selectors.customer_list_by_ids(user=request.user, ids=ids)}
    context = {
        "groups": [
            (group, [by_id[pk] for pk in group.customer_ids if pk in by_id]) for group in groups
        ],
        "recent": CustomerMerge.objects.select_related("survivor", "duplicate").order_by("-id")[
            :20
        ],
        "error": error,
    }
    return render(request, "customers/duplicates.html", context, status=400 if error else 200)
