"""REST endpoints of analytics: ``POST /api/v1/olap/query``.

The handler validates the body's shape, lets ``olap_query_parse`` check the names against
the whitelists, runs the one selector and serializes the rows.
"""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.formatting import lazy_format
from rest_framework.views import APIView

from dangol.analytics.olap.model import (
    MAX_BY,
    MAX_TOP_N,
    Dimension,
    Grain,
    Measure,
    olap_custom_measures,
    olap_query_parse,
)
from dangol.analytics.olap.permissions import olap_may_query
from dangol.analytics.olap.selectors import olap_query_run
from dangol.analytics.warehouse.custom_fields import olap_custom_dimensions
from dangol.analytics.warehouse.errors import WarehouseMissing
from dangol.core.api.permissions import HasRole


class NoWarehouse(exceptions.APIException):
    """No refresh has built a warehouse yet: the server's state, not the query, is at fault.

    A 409 rather than a 5xx, because it is an expected state the client can act on.
    """

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("There is no warehouse yet; run the warehouse refresh first")
    default_code = "warehouse_missing"


class MayQueryOlap(HasRole):
    message = _("Your role may not run analytics queries.")

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and olap_may_query(request.user)


class OlapQueryInputSerializer(serializers.Serializer):
    measures = serializers.ListField(
        child=serializers.ChoiceField(choices=[m.value for m in Measure]),
        min_length=1,
        max_length=len(Measure),
        help_text="Measures; also cf_<key>_sum and cf_<key>_avg for each number or money "
        "custom field of customers (summed or averaged over the distinct customers of a group), "
        "and pcf_<key>_sum and pcf_<key>_avg for those of products (over the distinct products "
        "sold in a group).",
    )
    by = serializers.ListField(
        child=serializers.ChoiceField(choices=[d.value for d in Dimension]),
        required=False,
        max_length=MAX_BY,
        help_text="Dimensions to group by; at most one period (day … year). Text, choice "
        "and yes/no custom fields are dimensions too: cf_<key> of customers, pcf_<key> of "
        "products.",
    )
    filters = serializers.DictField(
        child=serializers.ListField(
            child=serializers.CharField(max_length=200, allow_blank=True),
            min_length=1,
            max_length=200,
        ),
        required=False,
        help_text='Dimension name to accepted values, e.g. {"customer_group": ["retail"]}.',
    )
    period_grain = serializers.ChoiceField(
        choices=[g.value for g in Grain],
        required=False,
        help_text="Add this period to `by` unless it already has one.",
    )
    date_from = serializers.DateField(required=False, help_text="First order date included.")
    date_to = serializers.DateField(required=False, help_text="Last order date included.")
    top_n = serializers.IntegerField(required=False, min_value=1, max_value=MAX_TOP_N)
    order_by = serializers.CharField(
        required=False,
        max_length=40,
        help_text="A chosen measure or dimension; a leading '-' sorts descending.",
    )
    compare_previous = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Add the previous equal-length period and the change (needs both dates).",
    )

    class Meta:
        ref_name = "OlapQuery"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Custom fields of customers (cf_<key>) and products (pcf_<key>) are dimensions and
        # measures too, as the definitions say.
        try:
            custom = olap_custom_dimensions()
            custom_measures = list(olap_custom_measures())
        except (DatabaseError, RuntimeError):  # no database (a static schema build)
            custom, custom_measures = [], []
        if custom:
            self.fields["by"].child.choices = [*(d.value for d in Dimension), *custom]
        if custom_measures:
            measures = self.fields["measures"]
            measures.child.choices = [*(m.value for m in Measure), *custom_measures]
            measures.max_length = len(Measure) + len(custom_measures)
            # ListField checks max_length with a validator made at construction.
            measures.validators = [
                v for v in measures.validators if not isinstance(v, MaxLengthValidator)
            ]
            message = lazy_format(
                measures.error_messages["max_length"], max_length=measures.max_length
            )
            measures.validators.append(MaxLengthValidator(measures.max_length, message=message))


class OlapResultSerializer(serializers.Serializer):
    columns = serializers.ListField(child=serializers.CharField())
    dimensions = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(
        child=serializers.DictField(child=serializers.JSONField(allow_null=True)),
        help_text="One object per row, keyed by column; money as exact decimal strings.",
    )
    sources = serializers.ListField(
        child=serializers.CharField(), help_text="The rollups or 'fact' that answered."
    )
    seconds = serializers.FloatField()

    class Meta:
        ref_name = "OlapResult"


class OlapQueryApi(APIView):
    """``POST`` runs one OLAP query over the warehouse."""

    permission_classes = [MayQueryOlap]

    @extend_schema(
        operation_id="olap_query",
        request=OlapQueryInputSerializer,
        responses=OlapResultSerializer,
    )
    def post(self, request: Request) -> Response:
        serializer = OlapQueryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        query = olap_query_parse(**serializer.validated_data)
        try:
            result = olap_query_run(query=query)
        except WarehouseMissing as exc:
            raise NoWarehouse() from exc
        return Response(
            {
                "columns": result.columns,
                "dimensions": result.dimensions,
                "rows": result.as_records(),
                "sources": result.sources,
                "seconds": result.seconds,
            }
        )
