"""REST endpoints of segments, campaigns, reviews and the next best offer.

Permissions (``marketing/permissions.py``): admin, manager and marketing read and write;
the analyst reads; sales and service get 403. The next best offer follows the customer
visibility rules instead (anyone who may see the customer). Domain errors become
problem+json through the shared exception handler.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dangol.core.api.permissions import HasRole, ReadWriteRole
from dangol.marketing import selectors, services
from dangol.marketing.choices import (
    CampaignChannel,
    CampaignGoal,
    CampaignStatus,
    SegmentKind,
)
from dangol.marketing.permissions import can_read_marketing, can_write_marketing
from dangol.marketing.segments.rules import rule_fields


class MarketingPermission(ReadWriteRole):
    """Reads for the marketing readers, writes for the marketing writers."""

    message = _("Your role may not use segments and campaigns.")

    can_read = staticmethod(can_read_marketing)
    can_write = staticmethod(can_write_marketing)


class SegmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    rule = serializers.JSONField(help_text="The rule tree: and/or/not over conditions.")
    kind = serializers.ChoiceField(choices=SegmentKind.choices, default=SegmentKind.DYNAMIC)
    size = serializers.IntegerField(read_only=True, allow_null=True)
    snapshot_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    class Meta:
        ref_name = "Segment"


class SegmentCollectionApi(APIView):
    permission_classes = [MarketingPermission]

    @extend_schema(responses=SegmentSerializer(many=True), tags=["marketing"])
    def get(self, request: Request) -> Response:
        return Response(SegmentSerializer(selectors.segment_list(), many=True).data)

    @extend_schema(
        request=SegmentSerializer, responses={201: SegmentSerializer}, tags=["marketing"]
    )
    def post(self, request: Request) -> Response:
        data = SegmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        segment = services.segment_create(actor=request.user, **data.validated_data)
        return Response(SegmentSerializer(segment).data, status=status.HTTP_201_CREATED)


class SegmentItemApi(APIView):
    permission_classes = [MarketingPermission]

    @extend_schema(responses=SegmentSerializer, tags=["marketing"])
    def get(self, request: Request, pk: int) -> Response:
        return Response(SegmentSerializer(selectors.segment_get(pk=pk)).data)

    @extend_schema(request=SegmentSerializer, responses=SegmentSerializer, tags=["marketing"])
    def patch(self, request: Request, pk: int) -> Response:
        segment = selectors.segment_get(pk=pk)
        data = SegmentSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k in request.data}
        segment = services.segment_update(actor=request.user, segment=segment, **fields)
        return Response(SegmentSerializer(segment).data)

    @extend_schema(responses={204: None}, tags=["marketing"])
    def delete(self, request: Request, pk: int) -> Response:
        services.segment_delete(actor=request.user, segment=selectors.segment_get(pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SegmentSnapshotApi(APIView):
    permission_classes = [MarketingPermission]

    @extend_schema(request=None, responses=SegmentSerializer, tags=["marketing"])
    def post(self, request: Request, pk: int) -> Response:
        segment = selectors.segment_get(pk=pk)
        services.segment_snapshot(actor=request.user, segment=segment)
        return Response(SegmentSerializer(segment).data)


class RuleInputSerializer(serializers.Serializer):
    rule = serializers.JSONField()

    class Meta:
        ref_name = "SegmentRule"


class CountOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class SegmentCountApi(APIView):
    """Count the customers a rule selects (the rule editor's live count); writes nothing."""

    permission_classes = [MarketingPermission]
    read_only_post = True

    @extend_schema(request=RuleInputSerializer, responses=CountOutputSerializer, tags=["marketing"])
    def post(self, request: Request) -> Response:
        data = RuleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"count": selectors.rule_count(rule=data.validated_data["rule"])})


class SegmentFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    group = serializers.CharField(help_text="attribute, score or behaviour")
    kind = serializers.CharField(help_text="choice, number, bool, purchase, campaign, page")
    operators = serializers.ListField(child=serializers.CharField())
    choices = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        allow_null=True,
        help_text="[value, label] pairs of a choice field; null when any value is allowed.",
    )
    available = serializers.BooleanField()
    unavailable_reason = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "SegmentField"


class SegmentFieldsApi(APIView):
    """The rule language: each field with its operators and allowed values."""

    permission_classes = [MarketingPermission]

    @extend_schema(responses=SegmentFieldSerializer(many=True), tags=["marketing"])
    def get(self, request: Request) -> Response:
        return Response(rule_fields())


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    goal = serializers.ChoiceField(choices=CampaignGoal.choices)
    segment = serializers.IntegerField(source="segment_id", allow_null=True, required=False)
    offer = serializers.CharField(required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=CampaignChannel.choices)
    status = serializers.CharField(read_only=True)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)
    budget = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    cost_per_contact = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    control_percent = serializers.IntegerField(min_value=0, max_value=50, required=False)
    seed = serializers.IntegerField(min_value=0, required=False)
    skip_bottom_tier = serializers.BooleanField(required=False)
    frequency_cap = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    frequency_days = serializers.IntegerField(min_value=1, required=False)
    attribution_days = serializers.IntegerField(min_value=1, required=False)
    subject_en = serializers.CharField(required=False, allow_blank=True, max_length=200)
    subject_ko = serializers.CharField(required=False, allow_blank=True, max_length=200)
    body_en = serializers.CharField(required=False, allow_blank=True)
    body_ko = serializers.CharField(required=False, allow_blank=True)
    launched_at = serializers.DateTimeField(read_only=True, allow_null=True)
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    class Meta:
        ref_name = "Campaign"


def _campaign_fields(validated: dict, sent: set[str]) -> dict:
    fields = {k: v for k, v in validated.items() if k in sent or k == "segment_id"}
    if "segment_id" in fields:
        if "segment" in sent:
            fields["segment"] = fields.pop("segment_id")
        else:
            fields.pop("segment_id")
    return fields


class CampaignCollectionApi(APIView):
    permission_classes = [MarketingPermission]

    @extend_schema(responses=CampaignSerializer(many=True), tags=["marketing"])
    def get(self, request: Request) -> Response:
        campaigns = selectors.campaign_list(status=request.query_params.get("status"))[:500]
        return Response(CampaignSerializer(campaigns, many=True).data)

    @extend_schema(
        request=CampaignSerializer, responses={201: CampaignSerializer}, tags=["marketing"]
    )
    def post(self, request: Request) -> Response:
        data = CampaignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = _campaign_fields(data.validated_data, set(request.data))
        campaign = services.campaign_create(actor=request.user, **fields)
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignItemApi(APIView):
    permission_classes = [MarketingPermission]

    @extend_schema(responses=CampaignSerializer, tags=["marketing"])
    def get(self, request: Request, pk: int) -> Response:
        return Response(CampaignSerializer(selectors.campaign_get(pk=pk)).data)

    @extend_schema(request=CampaignSerializer, responses=CampaignSerializer, tags=["marketing"])
    def patch(self, request: Request, pk: int) -> Response:
        campaign = selectors.campaign_get(pk=pk)
        data = CampaignSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = _campaign_fields(data.validated_data, set(request.data))
        campaign = services.campaign_update(actor=request.user, campaign=campaign, **fields)
        return Response(CampaignSerializer(campaign).data)


class CampaignStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CampaignStatus.choices)

    class Meta:
        ref_name = "CampaignStatusChange"


class CampaignStatusApi(APIView):
    """Change a campaign's status; the first ``running`` launches it (members built)."""

    permission_classes = [MarketingPermission]

    @extend_schema(
        request=CampaignStatusInputSerializer, responses=CampaignSerializer, tags=["marketing"]
    )
    def post(self, request: Request, pk: int) -> Response:
        data = CampaignStatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_status_set(
            actor=request.user,
            campaign=selectors.campaign_get(pk=pk),
            status=data.validated_data["status"],
        )
        return Response(CampaignSerializer(campaign).data)


class CampaignReviewSerializer(serializers.Serializer):
    campaign_id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    channel = serializers.CharField()
    goal = serializers.CharField()
    members = serializers.IntegerField()
    control_members = serializers.IntegerField()
    suppressed = serializers.DictField(child=serializers.IntegerField())
    contacts = serializers.IntegerField()
    opens = serializers.IntegerField()
    clicks = serializers.IntegerField()
    conversions = serializers.IntegerField()
    open_rate = serializers.FloatField(allow_null=True)
    click_rate = serializers.FloatField(allow_null=True)
    response_rate = serializers.FloatField(allow_null=True)
    revenue = serializers.CharField()
    margin = serializers.CharField()
    cost = serializers.CharField()
    roi = serializers.FloatField(allow_null=True)
    control_n = serializers.IntegerField()
    control_conversions = serializers.IntegerField()
    control_rate = serializers.FloatField(allow_null=True)
    control_revenue = serializers.CharField()
    lift_abs = serializers.FloatField(allow_null=True)
    lift_rel = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    incremental_revenue = serializers.FloatField(allow_null=True)
    incremental_margin = serializers.FloatField(allow_null=True)
    incremental_roi = serializers.FloatField(allow_null=True)
    budget = serializers.CharField(allow_null=True)

    class Meta:
        ref_name = "CampaignReview"


class CampaignReviewApi(APIView):
    """The review of one campaign: contacts, rates, revenue, ROI, lift with CI and p-value."""

    permission_classes = [MarketingPermission]

    @extend_schema(responses=CampaignReviewSerializer, tags=["marketing"])
    def get(self, request: Request, pk: int) -> Response:
        review = selectors.campaign_review(campaign=selectors.campaign_get(pk=pk))
        return Response(review.as_dict())


class CampaignReviewListApi(APIView):
    """The dashboard: the review of the newest campaigns side by side."""

    permission_classes = [MarketingPermission]

    @extend_schema(responses=CampaignReviewSerializer(many=True), tags=["marketing"])
    def get(self, request: Request) -> Response:
        reviews = selectors.campaign_review_list(status=request.query_params.get("status"))
        return Response([r.as_dict() for r in reviews])


class OfferSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="campaign, recommendation or benefit")
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    campaign_id = serializers.IntegerField(allow_null=True)
    product_id = serializers.IntegerField(allow_null=True)

    class Meta:
        ref_name = "Offer"


class NextBestOfferSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    tier = serializers.CharField()
    tier_label = serializers.CharField()
    benefits = serializers.ListField(child=serializers.CharField())
    channels = serializers.ListField(child=serializers.CharField())
    unsubscribed = serializers.BooleanField()
    campaigns = serializers.ListField(child=serializers.DictField())
    recommendations = serializers.ListField(child=serializers.DictField())
    recommendations_available = serializers.BooleanField()
    best = OfferSerializer(allow_null=True)

    class Meta:
        ref_name = "NextBestOffer"


class NextBestOfferApi(APIView):
    """The next best offer for one customer (for a website, an app, the agent screen)."""

    permission_classes = [HasRole]

    @extend_schema(responses=NextBestOfferSerializer, tags=["marketing"])
    def get(self, request: Request, pk: int) -> Response:
        from dangol.customers.selectors import customer_get
        from dangol.marketing.personalisation import next_best_offer

        customer = customer_get(user=request.user, pk=pk)  # 404 when not visible
        return Response(next_best_offer(customer_id=customer.pk).as_dict())
