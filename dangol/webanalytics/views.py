"""Web-analytics report pages: one page with the report menu and a date-range form.

``report_view`` renders the whole page, or only the report panel when htmx asks (the
form and menu swap the panel in place). ``report_export_view`` returns exactly the table
shown, as CSV. Both validate through the report registry; a bad parameter is a 400
naming it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from dangol.webanalytics.reports import REPORTS, ReportParameterError
from dangol.webanalytics.reports._base import MAX_STEPS, Period, parse_period
from dangol.webanalytics.selectors import web_report_get, web_report_today, web_reports_may_read


def _guard(request: HttpRequest) -> None:
    if not web_reports_may_read(request.user):
        raise PermissionDenied


@login_required
@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    """Open the first report."""
    _guard(request)
    return redirect("webanalytics:report", slug="traffic")


def _query(request: HttpRequest) -> dict:
    """Return the query string as a plain dict (``steps`` may repeat or be comma-separated)."""
    data = {k: request.GET.get(k) for k in request.GET if k != "steps"}
    steps = [s for s in request.GET.getlist("steps") if s.strip()]
    if steps:
        data["steps"] = ",".join(steps)
    return data


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " | ".join(map(str, value))
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


@login_required
@require_GET
def report_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Render report ``slug`` for the chosen dates (the panel only, for htmx)."""
    _guard(request)
    spec = REPORTS.get(slug)
    if spec is None:
        raise Http404
    data = _query(request)
    today = web_report_today()
    context = {
        "reports": REPORTS.values(),
        "spec": spec,
        "slug": slug,
        "query": data,
        "query_string": request.GET.urlencode(),
        "max_steps": MAX_STEPS,
        "steps_list": [s for s in (data.get("steps") or "").split(",") if s.strip()],
    }
    status = 200
    try:
        period = parse_period(data, today=today)
    except ReportParameterError:
        period = Period(today - dt.timedelta(days=29), today)
    context["period"] = period
    if slug == "funnel" and not data.get("steps"):
        context["report"] = None  # ask for the steps first
    else:
        try:
            context["report"] = web_report_get(user=request.user, slug=slug, data=data, today=today)
        except ReportParameterError as exc:
            context["error"] = exc.message
            context["error_field"] = exc.field
            status = 400
    template = (
        "webanalytics/_report.html"
        if request.headers.get("HX-Request")
        else "webanalytics/report.html"
    )
    return render(request, template, context, status=status)


@login_required
@require_GET
def report_export_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Return the table shown by report ``slug`` (``table`` picks another of its tables)."""
    _guard(request)
    if slug not in REPORTS:
        raise Http404
    data = _query(request)
    try:
        report = web_report_get(user=request.user, slug=slug, data=data)
        table = report.table(data.get("table") or None) if report.tables else None
    except ReportParameterError as exc:
        return HttpResponse(
            f"{exc.field}: {exc.message}\n", status=400, content_type="text/plain; charset=utf-8"
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if table is not None:
        keys = [c.key for c in table.columns]
        writer.writerow(keys)
        for row in table.rows:
            writer.writerow([_cell(row.get(k)) for k in keys])
    period = report.period
    name = f"webanalytics-{slug}-{period.date_from}-{period.date_to}"
    if table is not None and len(report.tables) > 1:
        name += f"-{table.name}"
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
