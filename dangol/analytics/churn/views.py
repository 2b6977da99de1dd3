"""The at-risk valuable customers list (high CLV x high churn risk) and its CSV export.

The CSV starts with ``customer_id`` so it can be imported as a segment or handed to a
retention campaign as it is.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from dangol.analytics.churn.selectors import (
    DEFAULT_MIN_CHURN,
    MAX_ROWS,
    AtRiskFilters,
    at_risk_customers,
    at_risk_default_min_clv,
)
from dangol.analytics.modelcards.permissions import model_may_view
from dangol.analytics.rfm import SEGMENTS

CSV_COLUMNS = (
    "customer_id",
    "name",
    "clv",
    "p_alive",
    "churn_probability",
    "expected_loss",
    "rfm_segment",
    "value_tier",
)


class AtRiskForm(forms.Form):
    min_clv = forms.DecimalField(label=_("Lifetime value at least"), min_value=0, required=False)
    min_churn = forms.FloatField(
        label=_("Churn risk at least"), min_value=0, max_value=1, required=False
    )
    min_p_alive = forms.FloatField(
        label=_("Probability alive at least"), min_value=0, max_value=1, required=False
    )
    segment = forms.ChoiceField(
        label=_("RFM segment"),
        required=False,
        choices=[("", _("(all)")), *((s, s) for s in SEGMENTS)],
    )
    limit = forms.IntegerField(label=_("Rows"), min_value=1, max_value=MAX_ROWS, required=False)

    def filters(self, *, default_limit: int) -> AtRiskFilters:
        """Return the filters (call after ``is_valid``); unset fields take the defaults."""
        data = self.cleaned_data
        min_clv = data.get("min_clv")
        return AtRiskFilters(
            min_clv=at_risk_default_min_clv() if min_clv is None else Decimal(min_clv),
            min_churn=DEFAULT_MIN_CHURN if data.get("min_churn") is None else data["min_churn"],
            min_p_alive=data.get("min_p_alive") or 0.0,
            segment=data.get("segment") or "",
            limit=data.get("limit") or default_limit,
        )


def _filters(request: HttpRequest, *, default_limit: int) -> tuple[AtRiskForm, AtRiskFilters]:
    if not model_may_view(request.user):
        raise PermissionDenied
    form = AtRiskForm(request.GET)
    if not form.is_valid():
        return form, AtRiskFilters(limit=0)
    return form, form.filters(default_limit=default_limit)


@login_required
@require_GET
def at_risk_view(request: HttpRequest) -> HttpResponse:
    """Render the list with its filters, most expected loss first."""
    form, filters = _filters(request, default_limit=200)
    rows = at_risk_customers(user=request.user, filters=filters) if filters.limit else []
    context = {
        "form": form,
        "filters": filters,
        "rows": rows,
        "export_query": request.GET.urlencode(),
    }
    return render(request, "analytics/churn/at_risk.html", context)


@login_required
@require_GET
def at_risk_export_view(request: HttpRequest) -> HttpResponse:
    """Return the list as CSV (same filters; every match up to 100,000 rows by default)."""
    _form, filters = _filters(request, default_limit=MAX_ROWS)
    if not filters.limit:
        return HttpResponse(str(_("Invalid filters")), status=400, content_type="text/plain")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in at_risk_customers(user=request.user, filters=filters):
        writer.writerow(
            [
                row["customer_id"],
                row["name"],
                row["clv"],
                f"{row['p_alive']:.4f}" if row["p_alive"] is not None else "",
                f"{row['churn_probability']:.4f}",
                f"{row['expected_loss']:.2f}",
                row["rfm_segment"],
                row["value_tier"],
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="dangol-at-risk-customers.csv"'
    return response
