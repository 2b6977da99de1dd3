"""Analytics pages: home, RFM, Pareto and tiers, profitability, cohorts, share of wallet.

Each view validates its query string with a small form, calls one read of
``dangol.analytics.reports`` and renders; charts are drawn in the browser (vendored
Chart.js and ``analytics/charts.js``) from data embedded with ``json_script``.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from dangol.analytics import reports
from dangol.analytics.cohorts import COLUMNS as COHORT_COLUMNS
from dangol.analytics.cohorts import cohort_grid
from dangol.analytics.errors import ValidationError
from dangol.analytics.pipeline import warehouse_refresh_may_request
from dangol.analytics.views._common import AsOfForm, analytics_page, csv_response
from dangol.analytics.warehouse.errors import WarehouseMissing

SEGMENT_LABELS = {
    "champions": _("Champions"),
    "loyal": _("Loyal"),
    "potential_loyalist": _("Potential loyalist"),
    "new": _("New"),
    "promising": _("Promising"),
    "need_attention": _("Need attention"),
    "about_to_sleep": _("About to sleep"),
    "at_risk": _("At risk"),
    "cannot_lose": _("Cannot lose"),
    "hibernating": _("Hibernating"),
    "lost": _("Lost"),
    "none": _("Not scored"),
}
TIER_LABELS = {"top": _("Top"), "middle": _("Middle"), "bottom": _("Bottom")}
PROFIT_BY = [
    ("customer", _("Customer")),
    ("product", _("Product")),
    ("customer-category", _("Customer x category")),
]
NO_WAREHOUSE = _("There is no warehouse yet; run the warehouse refresh first")

# (URL name, title, what it answers) for the home page, in reading order.
ANALYSES = [
    ("analytics:pivot", _("Pivot"), _("Any measure by any dimensions, with charts and CSV.")),
    ("analytics:rfm", _("RFM segments"), _("Segment distribution and who moved between dates.")),
    ("analytics:pareto", _("Pareto and value tiers"), _("Lorenz curve, Gini, tier shares.")),
    (
        "analytics:profitability",
        _("Profitability"),
        _("Profit after goods, discounts and cost to serve, ranked."),
    ),
    ("analytics:cohorts", _("Cohorts"), _("Retention of monthly acquisition cohorts.")),
    ("analytics:wallet", _("Share of wallet"), _("Our revenue against known category budgets.")),
    ("analytics:warehouse", _("Warehouse"), _("Last refresh, row counts, refresh button.")),
]


def _missing(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    return render(request, template, {**context, "error": NO_WAREHOUSE}, status=200)


@analytics_page
def home_view(request: HttpRequest) -> HttpResponse:
    """List every analysis, with the warehouse's freshness."""
    context = {
        "analyses": ANALYSES,
        "status": reports.warehouse_status(),
        "may_refresh": warehouse_refresh_may_request(request.user),
    }
    return render(request, "analytics/home.html", context)


class RfmForm(AsOfForm):
    compare_to = forms.DateField(
        label=_("Compare with"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Segments on this day are the rows of the migration matrix."),
    )

    def clean(self):
        data = super().clean()
        as_of, compare_to = data.get("as_of"), data.get("compare_to")
        if as_of and compare_to and compare_to >= as_of:
            raise forms.ValidationError(_("Compare with a day before the as-of day."))
        return data


@analytics_page
def rfm_view(request: HttpRequest) -> HttpResponse:
    """Render the segment distribution chart and the migration matrix between two days."""
    form = RfmForm(request.GET)
    as_of = form.as_of_value()
    compare_to = (form.cleaned_data.get("compare_to") if form.is_valid() else None) or (
        as_of - dt.timedelta(days=90)
    )
    context = {"form": form, "as_of": as_of, "compare_to": compare_to, "labels": SEGMENT_LABELS}
    try:
        report = reports.rfm_report(as_of=as_of, compare_to=compare_to)
    except WarehouseMissing:
        return _missing(request, "analytics/rfm.html", context)
    for row in report["distribution"]:
        row["label"] = SEGMENT_LABELS[row["segment"]]
    for row in report["matrix"]:
        row["label"] = SEGMENT_LABELS[row["segment"]]
    context |= {
        "report": report,
        "matrix_labels": [SEGMENT_LABELS[s] for s in report["matrix_columns"]],
        "chart_data": {
            "labels": [str(row["label"]) for row in report["distribution"]],
            "customers": [row["customers"] for row in report["distribution"]],
            "revenue": [str(row["revenue"]) for row in report["distribution"]],
            "matrix": {
                "rows": [str(row["label"]) for row in report["matrix"]],
                "columns": [str(SEGMENT_LABELS[s]) for s in report["matrix_columns"]],
                "values": [row["cells"] for row in report["matrix"]],
            },
        },
    }
    return render(request, "analytics/rfm.html", context)


@analytics_page
def pareto_view(request: HttpRequest) -> HttpResponse:
    """Render the Lorenz curves, Gini coefficients and the value tiers' shares."""
    form = AsOfForm(request.GET)
    as_of = form.as_of_value()
    context = {"form": form, "as_of": as_of}
    try:
        report = reports.pareto_report(as_of=as_of)
    except WarehouseMissing:
        return _missing(request, "analytics/pareto.html", context)
    for row in report["tiers"]:
        row["label"] = TIER_LABELS[row["tier"]]
    top, middle = report["cuts"]
    context |= {
        "report": report,
        "cut_top": top,
        "cut_middle": middle,
        "cut_bottom": max(0.0, 1 - top - middle),
        "chart_data": {
            "percentiles": [p["percentile"] for p in report["lorenz"]],
            "revenue_lorenz": [p["revenue_lorenz"] for p in report["lorenz"]],
            "margin_lorenz": [p["margin_lorenz"] for p in report["lorenz"]],
            "revenue_top": [p["revenue_top"] for p in report["lorenz"]],
            "cuts": [round(100 * top), round(100 * (top + middle))],
            "tiers": [str(t["label"]) for t in report["tiers"]],
            "revenue_share": [t["revenue_share"] for t in report["tiers"]],
            "margin_share": [t["margin_share"] for t in report["tiers"]],
            "customer_share": [t["customer_share"] for t in report["tiers"]],
        },
    }
    return render(request, "analytics/pareto.html", context)


class ProfitForm(AsOfForm):
    by = forms.ChoiceField(label=_("Per"), choices=PROFIT_BY, required=False)
    top = forms.IntegerField(label=_("Show"), required=False, min_value=1, max_value=1000)


def _profit_args(request: HttpRequest) -> tuple[ProfitForm, str, dt.date, int]:
    form = ProfitForm(request.GET)
    valid = form.is_valid()
    by = (form.cleaned_data.get("by") if valid else "") or "customer"
    top = (form.cleaned_data.get("top") if valid else None) or 50
    return form, by, form.as_of_value(), top


@analytics_page
def profitability_view(request: HttpRequest) -> HttpResponse:
    """Render profit per customer, product or customer x category, ranked, with a chart."""
    form, by, as_of, top = _profit_args(request)
    context = {"form": form, "as_of": as_of, "by": by, "top": top}
    try:
        report = reports.profitability_report(by=by, as_of=as_of, top=top)
    except WarehouseMissing:
        return _missing(request, "analytics/profitability.html", context)
    key = {"customer": "customer_id", "product": "name", "customer-category": "customer_id"}[by]

    def label(row: dict) -> str:
        if by == "customer-category":
            return f"{row['customer_id']} · {row['category_l1'] or '—'}"
        return str(row[key] or row.get("sku") or row.get("product_id"))

    context |= {
        "report": report,
        "chart_data": {
            "labels": [label(row) for row in report["rows"]],
            "profit": [str(row["profit"]) for row in report["rows"]],
            "cost_to_serve": [str(row["cost_to_serve"]) for row in report["rows"]],
            "cogs": [str(row["cogs"]) for row in report["rows"]],
        },
        "export_query": request.GET.urlencode(),
    }
    return render(request, "analytics/profitability.html", context)


@analytics_page
def profitability_export_view(request: HttpRequest) -> HttpResponse:
    """Return every profitability row of the page's query as CSV."""
    _form, by, as_of, _top = _profit_args(request)
    try:
        report = reports.profitability_report(by=by, as_of=as_of, top=None)
    except WarehouseMissing:
        return HttpResponse(str(NO_WAREHOUSE), status=409, content_type="text/plain")
    columns = list(report["rows"][0]) if report["rows"] else ["rank"]
    return csv_response(
        filename=f"dangol-profitability-{by}-{as_of}.csv", rows=report["rows"], columns=columns
    )


class CohortForm(AsOfForm):
    since = forms.DateField(
        label=_("Cohorts from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("First acquisition month shown (default: two years back)."),
    )
    measure = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("customers", _("Customers retained")), ("revenue", _("Revenue"))],
    )


def _cohort_args(request: HttpRequest) -> tuple[CohortForm, dt.date, dt.date, str]:
    form = CohortForm(request.GET)
    as_of = form.as_of_value()
    valid = form.is_valid()
    since = (form.cleaned_data.get("since") if valid else None) or as_of.replace(
        year=as_of.year - 2, day=1
    )
    measure = (form.cleaned_data.get("measure") if valid else "") or "customers"
    return form, as_of, min(since, as_of), measure


@analytics_page
def cohorts_view(request: HttpRequest) -> HttpResponse:
    """Render the cohort x months-since-first-order heatmap (customers or revenue)."""
    form, as_of, since, measure = _cohort_args(request)
    context = {"form": form, "as_of": as_of, "since": since, "measure": measure}
    try:
        rows = reports.cohort_report(as_of=as_of, since=since)
    except WarehouseMissing:
        return _missing(request, "analytics/cohorts.html", context)
    except ValidationError as exc:
        return render(request, "analytics/cohorts.html", {**context, "error": exc.message})
    ratio = "customer_retention" if measure == "customers" else "revenue_retention"
    absolute = "customers" if measure == "customers" else "revenue"
    grid = cohort_grid(rows, measure=ratio)
    counts = cohort_grid(rows, measure=absolute)
    for row, count in zip(grid["rows"], counts["rows"], strict=True):
        row["values"] = [str(v) for v in count["cells"]]
    context |= {
        "grid": grid,
        "chart_data": grid,
        "export_query": request.GET.urlencode(),
    }
    return render(request, "analytics/cohorts.html", context)


@analytics_page
def cohorts_export_view(request: HttpRequest) -> HttpResponse:
    """Return the cohort matrix of the page's query as CSV (long form, one row per cell)."""
    _form, as_of, since, _measure = _cohort_args(request)
    try:
        rows = reports.cohort_report(as_of=as_of, since=since)
    except WarehouseMissing:
        return HttpResponse(str(NO_WAREHOUSE), status=409, content_type="text/plain")
    return csv_response(
        filename=f"dangol-cohorts-{as_of}.csv", rows=rows, columns=list(COHORT_COLUMNS)
    )


@analytics_page
def wallet_view(request: HttpRequest) -> HttpResponse:
    """Render share of wallet: totals, distribution, categories and the biggest gaps."""
    form = AsOfForm(request.GET)
    as_of = form.as_of_value()
    context = {"form": form, "as_of": as_of}
    try:
        report = reports.wallet_report(as_of=as_of, top=100)
    except WarehouseMissing:
        return _missing(request, "analytics/wallet.html", context)
    context |= {
        "report": report,
        "chart_data": {
            "bands": [row["band"] for row in report["distribution"]],
            "pairs": [row["pairs"] for row in report["distribution"]],
        },
        "export_query": request.GET.urlencode(),
    }
    return render(request, "analytics/wallet.html", context)


@analytics_page
def wallet_export_view(request: HttpRequest) -> HttpResponse:
    """Return every (customer, category budget) pair with our revenue, share and gap."""
    as_of = AsOfForm(request.GET).as_of_value()
    try:
        report = reports.wallet_report(as_of=as_of, top=None)
    except WarehouseMissing:
        return HttpResponse(str(NO_WAREHOUSE), status=409, content_type="text/plain")
    columns = [
        "rank",
        "customer_id",
        "category_id",
        "category_path",
        "budget",
        "revenue",
        "share",
        "gap",
    ]
    return csv_response(filename=f"dangol-wallet-{as_of}.csv", rows=report["rows"], columns=columns)
