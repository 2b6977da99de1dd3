"""REST endpoints for a customer's timeline: ``/api/v1/customers/{id}/interactions/``.

Reads go through ``customer_timeline`` (the newest first, as the 360 page shows them);
logging a contact goes through ``interaction_log``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dangol.core.api.fields import VisibleRecordField
from dangol.customers.selectors import customer_get
from dangol.sales.selectors import order_get
from dangol.touchpoints.choices import Direction, InteractionChannel
from dangol.touchpoints.selectors import DEFAULT_TIMELINE_LIMIT, customer_timeline
from dangol.touchpoints.services import interaction_log

MAX_TIMELINE_LIMIT = 200


class InteractionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer = serializers.IntegerField(source="customer_id")
    channel = serializers.ChoiceField(choices=InteractionChannel.choices)
    direction = serializers.ChoiceField(choices=Direction.choices)
    subject = serializers.CharField()
    body = serializers.CharField(allow_blank=True)
    occurred_at = serializers.DateTimeField()
    user = serializers.IntegerField(source="user_id", allow_null=True)
    outcome = serializers.CharField(allow_blank=True)
    order = serializers.IntegerField(
        source="related_order_id", allow_null=True, help_text="The order it concerns, if any."
    )
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Interaction"


class OrderIdField(VisibleRecordField):
    def lookup(self, pk: int):
        return order_get(user=self.context["request"].user, pk=pk)


class InteractionInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=InteractionChannel.choices)
    direction = serializers.ChoiceField(choices=Direction.choices)
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20_000, allow_blank=True, required=False)
    occurred_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    outcome = serializers.CharField(max_length=100, allow_blank=True, required=False)
    order = OrderIdField(required=False, help_text="The id of an order it is about.")

    class Meta:
        ref_name = "InteractionInput"


class TimelineQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_TIMELINE_LIMIT,
        help_text=f"How many of the newest (default {DEFAULT_TIMELINE_LIMIT}).",
    )


class CustomerInteractionApi(APIView):
    """``GET`` a customer's newest interactions; ``POST`` logs one."""

    @extend_schema(
        operation_id="customers_interactions_list",
        parameters=[TimelineQuerySerializer],
        responses=InteractionOutputSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        query = TimelineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        customer = customer_get(user=request.user, pk=pk)
        limit = query.validated_data.get("limit", DEFAULT_TIMELINE_LIMIT)
        items = customer_timeline(customer=customer, limit=limit)
        return Response(InteractionOutputSerializer(items, many=True).data)

    @extend_schema(
        operation_id="customers_interactions_create",
        request=InteractionInputSerializer,
        responses={201: InteractionOutputSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        customer = customer_get(user=request.user, pk=pk)
        serializer = InteractionInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        order = data.pop("order", None)
        if order is not None and order.customer_id != customer.pk:
            raise serializers.ValidationError(
                {"order": ["The order belongs to another customer"]}, code="invalid"
            )
        interaction = interaction_log(actor=request.user, customer=customer, concerns=order, **data)
        interaction.related_order_id = order.pk if order is not None else None
        return Response(
            InteractionOutputSerializer(interaction).data, status=status.HTTP_201_CREATED
        )
