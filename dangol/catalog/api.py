"""REST endpoints for products: ``/api/v1/products/``.

Everyone with a role reads the catalogue; ``dangol.catalog.services`` decides who writes.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dangol.catalog.models import Product
from dangol.catalog.selectors import product_get, product_list
from dangol.catalog.services import product_create, product_update
from dangol.core.api.pagination import CursorQuerySerializer, cursor_page_serializer, page_data
from dangol.core.customfields.api import CustomFieldsField

MAX_ID = 2**63 - 1


def _amount(**kwargs) -> serializers.DecimalField:
    # The model's DecimalField(max_digits=14, decimal_places=2); the service owns the
    # rules (not negative, two places) so that its messages are the UI's.
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class ProductOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    category = serializers.IntegerField(source="category_id", allow_null=True)
    category_path = serializers.CharField(
        source="category.path", allow_null=True, help_text='E.g. "Dairy > Milk".'
    )
    unit_price = _amount()
    unit_cost = _amount()
    active = serializers.BooleanField()
    custom_fields = CustomFieldsField(entity="product")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Product"


ProductPageSerializer = cursor_page_serializer(ProductOutputSerializer, "ProductPage")


class ProductInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    category = serializers.CharField(
        max_length=500,
        allow_null=True,
        required=False,
        help_text='A category path such as "Dairy > Milk"; missing levels are created.',
    )
    unit_price = _amount()
    unit_cost = _amount()
    active = serializers.BooleanField(required=False)
    custom_fields = CustomFieldsField(entity="product", required=False)

    class Meta:
        ref_name = "ProductInput"


class ProductListQuerySerializer(CursorQuerySerializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Part of the name, or the start of the SKU.",
    )
    category = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="A category id; its sub-categories are included.",
    )
    active = serializers.BooleanField(
        required=False, default=False, help_text="Only active products when true."
    )


def _product_response(request: Request, product: Product, code: int = 200) -> Response:
    return Response(ProductOutputSerializer(product).data, status=code)


class ProductCollectionApi(APIView):
    """``GET`` lists products; ``POST`` creates one (administrators and managers)."""

    @extend_schema(
        operation_id="products_list",
        parameters=[ProductListQuerySerializer],
        responses=ProductPageSerializer,
    )
    def get(self, request: Request) -> Response:
        query = ProductListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        page = product_list(
            query=params.get("q", ""),
            category_id=params.get("category"),
            active_only=params["active"],
            after=params["after"],
            before=params["before"],
            size=params["size"],
        )
        return Response(page_data(request=request, page=page, item=ProductOutputSerializer))

    @extend_schema(
        operation_id="products_create",
        request=ProductInputSerializer,
        responses={201: ProductOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = ProductInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = product_create(actor=request.user, **serializer.validated_data)
        return _product_response(request, product, status.HTTP_201_CREATED)


class ProductItemApi(APIView):
    """``GET`` and ``PATCH`` one product."""

    @extend_schema(operation_id="products_retrieve", responses=ProductOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return _product_response(request, product_get(pk=pk))

    @extend_schema(
        operation_id="products_partial_update",
        request=ProductInputSerializer,
        responses=ProductOutputSerializer,
    )
    def patch(self, request: Request, pk: int) -> Response:
        product = product_get(pk=pk)
        serializer = ProductInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        product = product_update(actor=request.user, product=product, **serializer.validated_data)
        return _product_response(request, product_get(pk=product.pk))
