"""REST endpoints of history, trash and personal data.

``/api/v1/<kind>/<id>/history/`` (GET) and ``.../history/revert/`` (POST), where kind is
customers, orders, tickets or opportunities; ``/api/v1/<kind>/<id>/trash/`` and
``.../restore/`` (POST); ``/api/v1/trash/`` (GET) and ``/api/v1/trash/<kind>/<id>/``
(DELETE, permanent); ``/api/v1/customers/<id>/personal-data/`` (GET) and
``/api/v1/customers/<id>/erase/`` (POST).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dangol.core.audit import kinds, selectors, services
from dangol.core.audit.errors import AuditErrorCode, PermissionDeniedError
from dangol.core.audit.models import AuditAction

# The URL segment of each kind.
PLURALS = {"customers": "customer", "orders": "order", "tickets": "ticket"}
PLURALS["opportunities"] = "opportunity"


def _record(request: Request, plural: str, pk: int):
    return kinds.record_get(user=request.user, kind=PLURALS.get(plural, plural), pk=pk)


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)
    old_display = serializers.CharField()
    new_display = serializers.CharField()


class HistoryEntrySerializer(serializers.Serializer):
    version = serializers.IntegerField(source="entry.seq")
    action = serializers.ChoiceField(choices=AuditAction.choices, source="entry.action")
    actor_id = serializers.IntegerField(source="entry.actor_id", allow_null=True)
    actor = serializers.CharField()
    at = serializers.DateTimeField(source="entry.at")
    note = serializers.CharField(source="entry.note")
    changes = serializers.SerializerMethodField()

    class Meta:
        ref_name = "HistoryEntry"

    @extend_schema_field(FieldChangeSerializer(many=True))
    def get_changes(self, row) -> list[dict]:
        raw = row.entry.changes
        return [
            {
                "field": change.field,
                "label": change.label,
                "old": raw[change.field][0],
                "new": raw[change.field][1],
                "old_display": change.old,
                "new_display": change.new,
            }
            for change in row.changes
        ]


KIND_PARAMETER = OpenApiParameter(
    "kind",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=list(PLURALS),
    description="customers, orders, tickets or opportunities",
)


class HistoryApi(APIView):
    """``GET`` the field-level history of a record, newest version first."""

    @extend_schema(
        operation_id="history_list",
        parameters=[KIND_PARAMETER],
        responses=HistoryEntrySerializer(many=True),
    )
    def get(self, request: Request, kind: str, pk: int) -> Response:
        record = _record(request, kind, pk)
        rows = selectors.record_history(instance=record)
        return Response(HistoryEntrySerializer(rows, many=True).data)


class RevertInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)

    class Meta:
        ref_name = "RevertInput"


class RecordStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField(allow_null=True)
    deleted_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "RecordState"


def _state(record) -> Response:
    record.refresh_from_db()
    return Response(
        RecordStateSerializer(
            {
                "id": record.pk,
                "version": getattr(record, "version", None),
                "deleted_at": record.deleted_at,
            }
        ).data
    )


class RevertApi(APIView):
    """``POST`` restores a record to one version of its history (recorded as a revert)."""

    @extend_schema(
        operation_id="history_revert",
        parameters=[KIND_PARAMETER],
        request=RevertInputSerializer,
        responses=RecordStateSerializer,
    )
    def post(self, request: Request, kind: str, pk: int) -> Response:
        record = _record(request, kind, pk)
        data = RevertInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.record_revert(
            instance=record, version=data.validated_data["version"], actor=request.user
        )
        return _state(record)


class TrashRecordApi(APIView):
    """``POST`` moves a record to the trash (administrators, managers)."""

    @extend_schema(
        operation_id="trash_record",
        parameters=[KIND_PARAMETER],
        request=None,
        responses=RecordStateSerializer,
    )
    def post(self, request: Request, kind: str, pk: int) -> Response:
        record = _record(request, kind, pk)
        services.record_trash(instance=record, actor=request.user)
        return _state(record)


class RestoreRecordApi(APIView):
    """``POST`` takes a record out of the trash (administrators, managers)."""

    @extend_schema(
        operation_id="trash_restore",
        parameters=[KIND_PARAMETER],
        request=None,
        responses=RecordStateSerializer,
    )
    def post(self, request: Request, kind: str, pk: int) -> Response:
        record = _record(request, kind, pk)
        services.record_restore(instance=record, actor=request.user)
        return _state(record)


class TrashItemSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    label = serializers.CharField()
    deleted_at = serializers.DateTimeField()

    class Meta:
        ref_name = "TrashItem"


class TrashListApi(APIView):
    """``GET`` the trash (administrators, managers): the latest trashed records per kind."""

    @extend_schema(
        operation_id="trash_list",
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=list(PLURALS))],
        responses=TrashItemSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        if not kinds.can_see_trash(request.user):
            raise PermissionDeniedError(
                "Only administrators and managers see the trash",
                code=AuditErrorCode.PERMISSION_DENIED,
            )
        plural = request.query_params.get("kind", "")
        kind = PLURALS.get(plural, plural)
        sections = selectors.trash_list(user=request.user, kind=kind)
        items = [
            {"kind": section.code, "id": item.pk, "label": str(item), "deleted_at": item.deleted_at}
            for section in sections
            for item in section.items
        ]
        return Response(TrashItemSerializer(items, many=True).data)


class TrashItemApi(APIView):
    """``DELETE`` a trashed record permanently (administrators only)."""

    @extend_schema(operation_id="trash_purge", parameters=[KIND_PARAMETER], responses={204: None})
    def delete(self, request: Request, kind: str, pk: int) -> Response:
        record = _record(request, kind, pk)
        services.record_purge(instance=record, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PersonalDataApi(APIView):
    """``GET`` every personal datum held about a customer (administrators, managers)."""

    @extend_schema(operation_id="customers_personal_data", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        from dangol.customers.privacy import customer_personal_data_export

        customer = _record(request, "customer", pk)
        return Response(customer_personal_data_export(customer=customer, actor=request.user))


class EraseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    confirm = serializers.IntegerField(help_text="the customer's id again, to confirm")

    class Meta:
        ref_name = "EraseInput"


class EraseApi(APIView):
    """``POST`` erases a customer's personal data for good (administrators, managers)."""

    @extend_schema(
        operation_id="customers_erase",
        request=EraseInputSerializer,
        responses=RecordStateSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        from dangol.core.audit.errors import ValidationError
        from dangol.customers.privacy import customer_erase

        customer = _record(request, "customer", pk)
        data = EraseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["confirm"] != customer.pk:
            raise ValidationError(
                "confirm must repeat the customer's id",
                code=AuditErrorCode.CONFIRMATION,
                field="confirm",
            )
        customer_erase(customer=customer, actor=request.user, reason=data.validated_data["reason"])
        return _state(customer)
