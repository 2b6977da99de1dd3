"""Catalogue pages: the product list with search, filters and keyset pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from dangol.catalog import selectors
from dangol.core.customfields.filters import (
    custom_filter_fields,
    custom_filter_values,
    form_values,
)
from dangol.core.customfields.selectors import custom_field_definitions, custom_list_columns
from dangol.core.htmx import is_htmx_swap
from dangol.core.pagination import parse_cursor

STATUS_CHOICES = [("", _("All")), ("active", _("Active")), ("inactive", _("Inactive"))]


class ProductFilterForm(forms.Form):
    """The product search box and filters; an invalid value is reported and left out."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100, strip=True)
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    price_min = forms.DecimalField(
        label=_("Unit price (from)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    price_max = forms.DecimalField(
        label=_("Unit price (to)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )

    def __init__(self, data, *, categories, definitions: list) -> None:
        super().__init__(data)
        self.fields["category"].choices = [
            ("", _("All")),
            *[(str(c.pk), c.path) for c in categories],
        ]
        self.fields.update(
            custom_filter_fields(entity="product", definitions=definitions, strict=True)
        )


@login_required
@require_GET
def product_list_view(request: HttpRequest) -> HttpResponse:
    """Render the product list; an htmx request gets only the results table.

    The custom-field definitions are read once for the filters and the columns.
    """
    definitions = custom_field_definitions(entity="product")
    form = ProductFilterForm(
        request.GET, categories=selectors.category_list(), definitions=definitions
    )
    data = form_values(form)
    page = selectors.product_list(
        query=data["q"] or "",
        category_id=data["category"],
        active={"active": True, "inactive": False}.get(data["status"] or ""),
        price_min=data["price_min"],
        price_max=data["price_max"],
        custom=dict(custom_filter_values(data)),
        definitions=definitions,
        after=parse_cursor(request.GET.get("after")),
        before=parse_cursor(request.GET.get("before")),
        size=settings.DANGOL_PAGE_SIZE,
    )
    template = (
        "catalog/_product_results.html" if is_htmx_swap(request) else "catalog/product_list.html"
    )
    context = {
        "form": form,
        "page": page,
        "active_nav": "catalog",
        "custom_columns": custom_list_columns(entity="product", definitions=definitions),
    }
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
