"""The OLAP pivot page: table, chart, CSV export.

The view validates the query string with a form, calls the one OLAP selector and
renders; the chart is drawn in the browser from the result embedded as JSON.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from dangol.analytics.olap.errors import OlapQueryError
from dangol.analytics.olap.labels import (
    DIMENSION_LABELS,
    MEASURE_LABELS,
    column_label,
    custom_dimension_choices,
    custom_measure_choices,
    result_display,
)
from dangol.analytics.olap.model import MAX_TOP_N, olap_query_parse
from dangol.analytics.olap.permissions import olap_may_query
from dangol.analytics.olap.selectors import OlapResult, olap_query_run
from dangol.analytics.warehouse.errors import WarehouseMissing

NONE = ("", _("(none)"))
CHARTS = [("bar", _("Bar")), ("line", _("Line")), ("heatmap", _("Heatmap"))]


class PivotForm(forms.Form):
    """The pivot's query: measures, up to three dimensions, filters, dates, top-N."""

    measures = forms.MultipleChoiceField(
        label=_("Measures"),
        choices=[(m.value, label) for m, label in MEASURE_LABELS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    by1 = forms.ChoiceField(label=_("Rows"), required=False)
    by2 = forms.ChoiceField(label=_("Then by"), required=False)
    by3 = forms.ChoiceField(label=_("Then by"), required=False)
    filters = forms.CharField(
        label=_("Filters"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "customer_group=retail"}),
        help_text=_("One dimension=value per line; repeat a dimension for several values."),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    top_n = forms.IntegerField(label=_("Top N"), required=False, min_value=1, max_value=MAX_TOP_N)
    compare = forms.BooleanField(label=_("Compare with the previous period"), required=False)
    chart = forms.ChoiceField(label=_("Chart"), choices=CHARTS, required=False)

    def __init__(self, data) -> None:
        super().__init__(data)
        # Number and money custom fields of customers (products): summed and averaged over
        # the distinct customers (products); the other fields are dimensions.
        self.fields["measures"].choices = [
            *self.fields["measures"].choices,
            *custom_measure_choices(),
        ]
        dimensions = [
            NONE,
            *[(d.value, label) for d, label in DIMENSION_LABELS.items()],
            *custom_dimension_choices(),
        ]
        for name in ("by1", "by2", "by3"):
            self.fields[name].choices = dimensions

    def clean_filters(self) -> dict[str, list[str]]:
        filters: dict[str, list[str]] = {}
        for line in self.cleaned_data["filters"].splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition("=")
            if not sep:
                raise forms.ValidationError(
                    _("Write each filter as dimension=value: %(line)s"), params={"line": line}
                )
            filters.setdefault(name.strip(), []).append(value.strip())
        return filters

    def query_kwargs(self) -> dict:
        """Return the arguments of ``olap_query_parse`` (call after ``is_valid``)."""
        data = self.cleaned_data
        return {
            "measures": data["measures"],
            "by": [data[name] for name in ("by1", "by2", "by3") if data.get(name)],
            "filters": data["filters"],
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "top_n": data.get("top_n"),
            "compare_previous": data.get("compare", False),
        }


def _chart_data(result: OlapResult, rows: list[list]) -> dict:
    return {
        "columns": result.columns,
        "labels": [column_label(c) for c in result.columns],
        "dimensions": result.dimensions,
        "rows": rows,
    }


def _run(request: HttpRequest) -> tuple[PivotForm, OlapResult | None, str]:
    if not olap_may_query(request.user):
        raise PermissionDenied
    form = PivotForm(request.GET or None)
    if not request.GET or not form.is_valid():
        return form, None, ""
    try:
        result = olap_query_run(query=olap_query_parse(**form.query_kwargs()))
    except OlapQueryError as exc:
        return form, None, exc.message
    except WarehouseMissing:
        return form, None, str(_("There is no warehouse yet; run the warehouse refresh first"))
    return form, result, ""


@login_required
@require_GET
def pivot_view(request: HttpRequest) -> HttpResponse:
    """Render the pivot form and, for a valid query, its table and chart."""
    form, result, error = _run(request)
    # Labels and formatted numbers on the page; the CSV export keeps codes and raw values.
    headers, records, chart_rows = result_display(result) if result else ([], [], [])
    context = {
        "form": form,
        "result": result,
        "error": error,
        "headers": headers,
        "records": records,
        "numeric_from": len(result.dimensions) if result else 0,
        "chart_data": _chart_data(result, chart_rows) if result else None,
        "chart": (form.cleaned_data.get("chart") if form.is_bound else "") or "bar",
        "export_query": request.GET.urlencode(),
    }
    return render(request, "analytics/pivot.html", context)


@login_required
@require_GET
def pivot_export_view(request: HttpRequest) -> HttpResponse:
    """Return the pivot's result as a CSV download (the same query string as the page)."""
    _form, result, error = _run(request)
    if result is None:
        return HttpResponse(error or str(_("Invalid query")), status=400, content_type="text/plain")
    response = HttpResponse(result.to_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="dangol-pivot.csv"'
    return response
