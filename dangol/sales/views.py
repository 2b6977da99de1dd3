"""Order pages: the list of visible orders and one order with its lines and total."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from dangol.core.errors import NotFoundError
from dangol.core.pagination import parse_cursor
from dangol.integration.downloads import export_query, export_response
from dangol.integration.exporters import export_orders
from dangol.sales import selectors
from dangol.sales.choices import OrderStatus


class OrderFilterForm(forms.Form):
    """The order list filter; an invalid value is ignored."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *OrderStatus.choices]
    )

    def value(self, name: str):
        """Return the cleaned value of ``name``, or ``None`` when it was invalid."""
        self.is_valid()
        return None if name in self.errors else self.cleaned_data.get(name)


@login_required
@require_GET
def order_list_view(request: HttpRequest) -> HttpResponse:
    """Render the orders the user may see, newest first, one keyset page at a time."""
    form = OrderFilterForm(request.GET)
    page = selectors.order_list(
        user=request.user,
        status=form.value("status") or "",
        customer_id=parse_cursor(request.GET.get("customer")),
        after=parse_cursor(request.GET.get("after")),
        before=parse_cursor(request.GET.get("before")),
        size=settings.DANGOL_PAGE_SIZE,
    )
    context = {
        "form": form,
        "page": page,
        "active_nav": "sales",
        "export_query": export_query(request),
    }
    return render(request, "sales/order_list.html", context)


@login_required
@require_GET
def order_export_view(request: HttpRequest, suffix: str) -> HttpResponse:
    """Export the lines of every order the list shows for the same query string."""
    if suffix not in ("csv", "xlsx"):
        raise Http404
    form = OrderFilterForm(request.GET)
    customer_id = parse_cursor(request.GET.get("customer"))
    return export_response(
        lambda out: export_orders(
            out=out,
            fmt=suffix,
            user=request.user,
            status=form.value("status") or "",
            customer_id=customer_id,
        ),
        suffix=suffix,
        name="dangol-orders",
    )


@login_required
@require_GET
def order_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Render one order: header, customer, lines and the total."""
    try:
        order = selectors.order_get(user=request.user, pk=pk)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
    return render(request, "sales/order_detail.html", {"order": order, "active_nav": "sales"})
