"""Catalogue pages: the product list with search, category filter and keyset pages."""

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
from dangol.core.customfields.selectors import custom_list_columns
from dangol.core.pagination import parse_cursor


class ProductFilterForm(forms.Form):
    """The product search box and category filter; invalid values are ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100, strip=True)
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data, *, categories) -> None:
        super().__init__(data)
        self.fields["category"].choices = [
            ("", _("All")),
            *[(str(c.pk), c.path) for c in categories],
        ]

    def value(self, name: str):
        """Return the cleaned value of ``name``, or ``None`` when it was invalid."""
        self.is_valid()
        return None if name in self.errors else self.cleaned_data.get(name)


@login_required
@require_GET
def product_list_view(request: HttpRequest) -> HttpResponse:
    """Render the product list; an htmx request gets only the results table."""
    form = ProductFilterForm(request.GET, categories=selectors.category_list())
    page = selectors.product_list(
        query=form.value("q") or "",
        category_id=form.value("category"),
        after=parse_cursor(request.GET.get("after")),
        before=parse_cursor(request.GET.get("before")),
        size=settings.DANGOL_PAGE_SIZE,
    )
    is_htmx = (
        request.headers.get("HX-Request") == "true"
        and "HX-History-Restore-Request" not in request.headers
    )
    template = "catalog/_product_results.html" if is_htmx else "catalog/product_list.html"
    context = {
        "form": form,
        "page": page,
        "active_nav": "catalog",
        "custom_columns": custom_list_columns(entity="product"),
    }
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
