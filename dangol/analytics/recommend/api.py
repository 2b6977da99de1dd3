"""REST endpoints of the recommendations.

``GET /api/v1/customers/<id>/recommendations/`` (anyone who may see the customer) and
``POST /api/v1/recommendations/refresh/`` (queues a refresh; roles that model).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dangol.analytics.recommend.selectors import recommendations_for_customer
from dangol.analytics.recommend.services import recommendations_refresh_start
from dangol.analytics.response.api import JobStartedSerializer, MayModel
from dangol.customers.selectors import customer_get


class RecommendationSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField(allow_blank=True)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    kind = serializers.ChoiceField(choices=["cross", "up"])
    score = serializers.FloatField()
    rank = serializers.IntegerField()

    class Meta:
        ref_name = "Recommendation"


class CustomerRecommendationsApi(APIView):
    """``GET`` a customer's cross-sell and up-sell recommendations, best first."""

    @extend_schema(
        operation_id="customer_recommendations",
        parameters=[
            OpenApiParameter("limit", int, description="At most this many (1-50, default 10)."),
            OpenApiParameter("kind", str, enum=["cross", "up"], description="Only one kind."),
        ],
        responses=RecommendationSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        query = RecommendationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        customer = customer_get(user=request.user, pk=pk)
        recs = recommendations_for_customer(
            customer_id=customer.pk,
            limit=query.validated_data["limit"],
            kind=query.validated_data.get("kind") or None,
        )
        return Response(RecommendationSerializer(recs, many=True).data)


class RecommendationQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)
    kind = serializers.ChoiceField(choices=["cross", "up"], required=False)

    class Meta:
        ref_name = "RecommendationQuery"


class RecommendationsRefreshApi(APIView):
    """``POST`` queue a refresh of every customer's recommendations (202, the job)."""

    permission_classes = [MayModel]

    @extend_schema(
        operation_id="recommendations_refresh",
        request=None,
        responses={202: JobStartedSerializer},
        description=str(_("Recompute from the warehouse, evaluate, and replace them all.")),
    )
    def post(self, request: Request) -> Response:
        job = recommendations_refresh_start(user=request.user)
        return Response(
            {"job_id": job.pk, "job_url": f"/api/v1/jobs/{job.pk}/"},
            status=status.HTTP_202_ACCEPTED,
        )
