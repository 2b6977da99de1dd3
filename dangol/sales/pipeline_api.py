"""REST endpoints of the pipeline: ``/api/v1/leads/`` and ``/api/v1/opportunities/``.

Leads come in from other systems (a website, a partner) through ``POST /leads/``; the
same services as the UI check duplicates, assign owners and convert.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dangol.core.api.http import IF_MATCH_PARAMETER, etag, precondition_write
from dangol.core.api.pagination import CursorQuerySerializer, cursor_page_serializer, page_data
from dangol.core.customfields.api import CustomFieldsField
from dangol.customers.choices import Region
from dangol.sales import pipeline_selectors as selectors
from dangol.sales import pipeline_services as services
from dangol.sales.api import CustomerIdField
from dangol.sales.choices import LeadSource, LeadStatus, LossReason, OpportunityChannel
from dangol.sales.models import PipelineStage


def _amount(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class LeadOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    company_name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    region = serializers.CharField()
    source = serializers.ChoiceField(choices=LeadSource.choices)
    status = serializers.ChoiceField(choices=LeadStatus.choices)
    owner = serializers.IntegerField(source="owner_id", allow_null=True)
    duplicate_of = serializers.IntegerField(
        source="duplicate_of_id", allow_null=True, help_text="An existing customer id."
    )
    converted_customer = serializers.IntegerField(source="converted_customer_id", allow_null=True)
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Lead"


class LeadInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    company_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    region = serializers.ChoiceField(choices=Region.choices, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=LeadSource.choices, default=LeadSource.API)
    note = serializers.CharField(max_length=10_000, required=False, allow_blank=True)

    class Meta:
        ref_name = "LeadInput"


class LeadConvertSerializer(serializers.Serializer):
    opportunity_name = serializers.CharField(max_length=200)
    amount = _amount(min_value=0)
    expected_close = serializers.DateField()
    channel = serializers.ChoiceField(choices=OpportunityChannel.choices)
    customer = CustomerIdField(
        required=False, help_text="Attach to this existing customer instead of creating one."
    )

    class Meta:
        ref_name = "LeadConvert"


class OpportunityOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    customer = serializers.IntegerField(source="customer_id")
    stage = serializers.CharField(source="stage.code")
    probability = serializers.IntegerField(source="stage.probability")
    amount = _amount()
    expected_close = serializers.DateField()
    channel = serializers.ChoiceField(choices=OpportunityChannel.choices)
    owner = serializers.IntegerField(source="owner_id")
    closed_at = serializers.DateTimeField(allow_null=True)
    loss_reason = serializers.CharField()
    custom_fields = CustomFieldsField(entity="opportunity")
    version = serializers.IntegerField()

    class Meta:
        ref_name = "Opportunity"


class StageField(serializers.SlugRelatedField):
    def __init__(self, **kwargs) -> None:
        super().__init__(slug_field="code", queryset=PipelineStage.objects.all(), **kwargs)


class OpportunityInputSerializer(serializers.Serializer):
    customer = CustomerIdField()
    name = serializers.CharField(max_length=200)
    amount = _amount(min_value=0)
    expected_close = serializers.DateField()
    channel = serializers.ChoiceField(choices=OpportunityChannel.choices)
    stage = StageField(required=False, help_text="A stage code; default the first.")
    custom_fields = CustomFieldsField(entity="opportunity", required=False)

    class Meta:
        ref_name = "OpportunityInput"


class OpportunityMoveSerializer(serializers.Serializer):
    stage = StageField(help_text="A stage code.")
    version = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        help_text="The version you read (or send `If-Match`); neither answers 428.",
    )
    loss_reason = serializers.ChoiceField(
        choices=LossReason.choices, required=False, help_text="Required to lose."
    )
    outcome_note = serializers.CharField(max_length=5000, required=False, allow_blank=True)

    class Meta:
        ref_name = "OpportunityMove"


class LeadListQuerySerializer(CursorQuerySerializer):
    status = serializers.ChoiceField(choices=LeadStatus.choices, required=False)


LeadPageSerializer = cursor_page_serializer(LeadOutputSerializer, "LeadPage")


def _require_seller(request: Request) -> None:
    if not services.can_sell(request.user):
        raise exceptions.PermissionDenied("Only sales staff and managers work the pipeline.")


def _opportunity_response(opportunity) -> Response:
    data = OpportunityOutputSerializer(opportunity).data
    return Response(data, headers={"ETag": etag(opportunity.version)})


class LeadCollectionApi(APIView):
    """``GET`` the leads you may work; ``POST`` a new lead (checked for duplicates)."""

    @extend_schema(
        operation_id="leads_list",
        parameters=[LeadListQuerySerializer],
        responses=LeadPageSerializer,
    )
    def get(self, request: Request) -> Response:
        _require_seller(request)
        query = LeadListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        page = selectors.lead_list(
            user=request.user,
            status=params.get("status", ""),
            after=params["after"],
            before=params["before"],
            size=params["size"],
        )
        return Response(page_data(request=request, page=page, item=LeadOutputSerializer))

    @extend_schema(
        operation_id="leads_create",
        request=LeadInputSerializer,
        responses={201: LeadOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        _require_seller(request)
        serializer = LeadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = services.lead_capture(actor=request.user, **serializer.validated_data)
        return Response(LeadOutputSerializer(lead).data, status=status.HTTP_201_CREATED)


class LeadConvertApi(APIView):
    """``POST`` converts a lead into a customer and an opportunity."""

    @extend_schema(
        operation_id="leads_convert",
        request=LeadConvertSerializer,
        responses={201: OpportunityOutputSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        _require_seller(request)
        lead = selectors.lead_get(user=request.user, pk=pk)
        serializer = LeadConvertSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        opportunity = services.lead_convert(
            actor=request.user, lead=lead, **serializer.validated_data
        )
        return Response(
            OpportunityOutputSerializer(opportunity).data, status=status.HTTP_201_CREATED
        )


class OpportunityCollectionApi(APIView):
    """``POST`` opens an opportunity with a customer you may sell to."""

    @extend_schema(
        operation_id="opportunities_create",
        request=OpportunityInputSerializer,
        responses={201: OpportunityOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        _require_seller(request)
        serializer = OpportunityInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        opportunity = services.opportunity_create(actor=request.user, **serializer.validated_data)
        return Response(
            OpportunityOutputSerializer(opportunity).data, status=status.HTTP_201_CREATED
        )


class OpportunityItemApi(APIView):
    """``GET`` one opportunity; ``PATCH`` moves it to another stage."""

    @extend_schema(operation_id="opportunities_retrieve", responses=OpportunityOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        _require_seller(request)
        opportunity = selectors.opportunity_get(user=request.user, pk=pk)
        return _opportunity_response(opportunity)

    @extend_schema(
        operation_id="opportunities_move",
        parameters=[IF_MATCH_PARAMETER],
        request=OpportunityMoveSerializer,
        responses=OpportunityOutputSerializer,
    )
    def patch(self, request: Request, pk: int) -> Response:
        _require_seller(request)
        opportunity = selectors.opportunity_get(user=request.user, pk=pk)
        serializer = OpportunityMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        opportunity = precondition_write(
            request,
            record=opportunity,
            body_version=data.get("version"),
            authorize=lambda: services.opportunity_move_authorize(
                actor=request.user, opportunity=opportunity
            ),
            write=lambda expected: services.opportunity_move(
                actor=request.user,
                opportunity=opportunity,
                stage=data["stage"],
                expected_version=expected,
                loss_reason=data.get("loss_reason", ""),
                outcome_note=data.get("outcome_note", ""),
            ),
        )
        return _opportunity_response(opportunity)
