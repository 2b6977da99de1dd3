"""REST endpoints for orders: ``/api/v1/orders/``.

Totals are derived from the lines by the selectors, never sent by the client. Placing
an order and moving its status go through ``dangol.sales.services``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dangol.catalog.selectors import product_get
from dangol.core.api.fields import VisibleRecordField
from dangol.core.api.pagination import CursorQuerySerializer, cursor_page_serializer, page_data
from dangol.customers.selectors import customer_get
from dangol.sales.choices import OrderStatus, SalesChannel
from dangol.sales.models import Order
from dangol.sales.selectors import order_get, order_list
from dangol.sales.services import OrderLineInput, order_create, order_status_set

MAX_ID = 2**63 - 1


def _amount(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class OrderLineOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product = serializers.IntegerField(source="product_id")
    product_sku = serializers.CharField(source="product.sku")
    product_name = serializers.CharField(source="product.name")
    quantity = serializers.IntegerField()
    unit_price = _amount()
    discount = _amount(help_text="Taken off the whole line.")
    total = _amount(source="line_total", help_text="quantity x price - discount")

    class Meta:
        ref_name = "OrderLine"


class OrderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.name")
    ordered_at = serializers.DateTimeField()
    channel = serializers.ChoiceField(choices=SalesChannel.choices)
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    total = serializers.DecimalField(max_digits=18, decimal_places=2)
    line_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Order"


class OrderDetailOutputSerializer(OrderOutputSerializer):
    lines = OrderLineOutputSerializer(many=True, source="line_items")

    class Meta:
        ref_name = "OrderDetail"


OrderPageSerializer = cursor_page_serializer(OrderOutputSerializer, "OrderPage")


class CustomerIdField(VisibleRecordField):
    def lookup(self, pk: int):
        return customer_get(user=self.context["request"].user, pk=pk)


class ProductIdField(VisibleRecordField):
    def lookup(self, pk: int):
        return product_get(pk=pk)


class OrderLineInputSerializer(serializers.Serializer):
    product = ProductIdField(help_text="A product id.")
    quantity = serializers.IntegerField(min_value=1, max_value=2_147_483_647)
    unit_price = _amount(required=False, help_text="Defaults to the product's list price.")
    discount = _amount(required=False, help_text="Taken off the whole line.")

    class Meta:
        ref_name = "OrderLineInput"


class OrderInputSerializer(serializers.Serializer):
    customer = CustomerIdField(help_text="A customer id.")
    number = serializers.CharField(max_length=64, help_text="Unique across all orders.")
    channel = serializers.ChoiceField(choices=SalesChannel.choices)
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)
    ordered_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    lines = OrderLineInputSerializer(many=True, max_length=500)

    class Meta:
        ref_name = "OrderInput"


class OrderStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)

    class Meta:
        ref_name = "OrderStatusInput"


class OrderListQuerySerializer(CursorQuerySerializer):
    customer = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="A customer id."
    )
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)


def _order_response(request: Request, order: Order, code: int = 200) -> Response:
    detail = order_get(user=request.user, pk=order.pk)
    return Response(OrderDetailOutputSerializer(detail).data, status=code)


class OrderCollectionApi(APIView):
    """``GET`` lists the orders of customers you may see; ``POST`` places one."""

    @extend_schema(
        operation_id="orders_list",
        parameters=[OrderListQuerySerializer],
        responses=OrderPageSerializer,
    )
    def get(self, request: Request) -> Response:
        query = OrderListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        page = order_list(
            user=request.user,
            customer_id=params.get("customer"),
            status=params.get("status", ""),
            after=params["after"],
            before=params["before"],
            size=params["size"],
        )
        return Response(page_data(request=request, page=page, item=OrderOutputSerializer))

    @extend_schema(
        operation_id="orders_create",
        request=OrderInputSerializer,
        responses={201: OrderDetailOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = OrderInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lines = [OrderLineInput(**line) for line in data.pop("lines")]
        order = order_create(actor=request.user, lines=lines, **data)
        return _order_response(request, order, status.HTTP_201_CREATED)


class OrderItemApi(APIView):
    """``GET`` one order with its lines; ``PATCH`` moves its status."""

    @extend_schema(operation_id="orders_retrieve", responses=OrderDetailOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(OrderDetailOutputSerializer(order_get(user=request.user, pk=pk)).data)

    @extend_schema(
        operation_id="orders_partial_update",
        request=OrderStatusInputSerializer,
        responses=OrderDetailOutputSerializer,
    )
    def patch(self, request: Request, pk: int) -> Response:
        order = order_get(user=request.user, pk=pk)
        serializer = OrderStatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = order_status_set(actor=request.user, order=order, **serializer.validated_data)
        return _order_response(request, order)
