"""REST endpoints of the web-analytics reports: ``GET /api/v1/webanalytics/reports/<slug>/``.

One endpoint per report (its own operation in the OpenAPI schema), all answering the same
shape: the period and the previous one, KPI totals, the tables (columns and rows) and the
chart series. A bad parameter is a 400 problem+json naming it (``errors``), through the
shared exception handler, since ``ReportParameterError`` is a domain validation error.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dangol.core.api.permissions import HasRole
from dangol.webanalytics.reports import REPORTS, Report, ReportSpec
from dangol.webanalytics.reports._base import DEFAULT_LIMIT, MAX_DAYS, MAX_LIMIT, MAX_STEPS
from dangol.webanalytics.selectors import web_report_get, web_reports_may_read


class MayReadWebReports(HasRole):
    message = _("Your role may not read web-analytics reports.")

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and web_reports_may_read(request.user)


class WebReportColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField(
        help_text="text, int, rate, change (relative), points (rate difference), seconds, "
        "money, date, datetime, path, list, channel, keyword, customer."
    )


class WebReportTableSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    columns = WebReportColumnSerializer(many=True)
    rows = serializers.ListField(
        child=serializers.DictField(child=serializers.JSONField(allow_null=True)),
        help_text="One object per row keyed by column key; every measure m comes with "
        "m_prev (previous period) and m_change.",
    )


class WebReportSerializer(serializers.Serializer):
    report = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    previous_from = serializers.DateField()
    previous_to = serializers.DateField()
    has_data = serializers.BooleanField()
    totals = serializers.DictField(child=serializers.JSONField(), required=False)
    tables = WebReportTableSerializer(many=True)
    chart = serializers.JSONField(allow_null=True)

    class Meta:
        ref_name = "WebReport"


def report_body(report: Report) -> dict:
    """Return the API document of ``report``."""
    period = report.period
    return {
        "report": report.slug,
        "date_from": period.date_from,
        "date_to": period.date_to,
        "previous_from": period.prev_from,
        "previous_to": period.prev_to,
        "has_data": report.has_data,
        "totals": report.totals,
        "tables": [t.as_dict() for t in report.tables],
        "chart": report.chart,
    }


def _parameters(spec: ReportSpec) -> list[OpenApiParameter]:
    params = [
        OpenApiParameter(
            "date_from",
            OpenApiTypes.DATE,
            description="First day (UTC); default 29 days "
            f"before date_to. At most {MAX_DAYS} days in all.",
        ),
        OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last day; default today."),
    ]
    if spec.limit:
        params.append(
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=f"Rows, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
            )
        )
    for name, choices in spec.choices.items():
        params.append(OpenApiParameter(name, OpenApiTypes.STR, enum=list(choices)))
    if spec.slug == "funnel":
        params.append(
            OpenApiParameter(
                "steps",
                OpenApiTypes.STR,
                required=True,
                description=f"1 to {MAX_STEPS} page paths in order, comma-separated; a "
                "trailing * matches every path under it.",
            )
        )
    if spec.slug == "goals":
        params.append(OpenApiParameter("goal", OpenApiTypes.STR, description="One goal only."))
    return params


def _view_for(spec: ReportSpec) -> type[APIView]:
    class WebReportApi(APIView):
        permission_classes = [MayReadWebReports]

        @extend_schema(
            operation_id=f"webanalytics_report_{spec.slug.replace('-', '_')}",
            summary=str(spec.title),
            description=str(spec.description),
            parameters=_parameters(spec),
            responses=WebReportSerializer,
            tags=["webanalytics"],
        )
        def get(self, request: Request) -> Response:
            data = {k: request.query_params.get(k) for k in request.query_params}
            steps = request.query_params.getlist("steps")
            if len(steps) > 1:
                data["steps"] = ",".join(steps)
            report = web_report_get(user=request.user, slug=spec.slug, data=data)
            return Response(report_body(report))

    WebReportApi.__name__ = WebReportApi.__qualname__ = (
        "WebReport" + "".join(p.title() for p in spec.slug.split("-")) + "Api"
    )
    return WebReportApi


REPORT_APIS: dict[str, type[APIView]] = {slug: _view_for(spec) for slug, spec in REPORTS.items()}
