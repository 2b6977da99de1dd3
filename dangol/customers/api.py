"""REST endpoints for customers: ``/api/v1/customers/``.

Each handler validates the input's shape, calls one selector or service (the same ones
the UI calls, so the rules are the UI's) and serializes the result.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dangol.accounts.models import User
from dangol.core.api.http import IF_MATCH_PARAMETER, etag, precondition_write
from dangol.core.api.pagination import CursorQuerySerializer, cursor_page_serializer, page_data
from dangol.core.api.read import output_data
from dangol.core.audit.services import record_trash, record_trash_authorize
from dangol.core.customfields.api import CustomFieldsField
from dangol.customers import permissions
from dangol.customers.choices import (
    AcquisitionChannel,
    ConsentChannel,
    CustomerKind,
    Gender,
    LifecycleStatus,
    Region,
    ValueTier,
)
from dangol.customers.models import ConsentEvent, Customer, CustomerGroup
from dangol.customers.selectors import (
    CustomerFilters,
    customer_consent_history,
    customer_get,
    customer_list,
)
from dangol.customers.services import (
    customer_consent_set,
    customer_create,
    customer_update,
    customer_update_authorize,
)

MAX_ID = 2**63 - 1
CONSENT_HISTORY_LIMIT = 100


def _non_blank(choices) -> list[tuple[str, str]]:
    return [(value, label) for value, label in choices if value != ""]


class CustomerOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CustomerKind.choices)
    company = serializers.IntegerField(source="company_id", allow_null=True)
    external_id = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    gender = serializers.ChoiceField(choices=Gender.choices, allow_blank=True)
    birth_date = serializers.DateField(allow_null=True)
    region = serializers.ChoiceField(choices=Region.choices, allow_blank=True)
    city = serializers.CharField(allow_blank=True)
    customer_group = serializers.CharField(
        source="customer_group.code", allow_null=True, help_text="The group's code."
    )
    acquisition_channel = serializers.ChoiceField(
        choices=AcquisitionChannel.choices, allow_blank=True
    )
    status = serializers.ChoiceField(choices=LifecycleStatus.choices)
    owner = serializers.IntegerField(source="owner_id", allow_null=True)
    consent_email = serializers.BooleanField()
    consent_sms = serializers.BooleanField()
    consent_phone = serializers.BooleanField()
    consent_post = serializers.BooleanField()
    custom_fields = CustomFieldsField(entity="customer")
    version = serializers.IntegerField(help_text="Changes on every write; send it back.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Customer"


CustomerPageSerializer = cursor_page_serializer(CustomerOutputSerializer, "CustomerPage")


class CustomerInputSerializer(serializers.Serializer):
    """The writable fields; which of them a role may change is the services' rule."""

    kind = serializers.ChoiceField(choices=CustomerKind.choices, required=False)
    company = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(),
        allow_null=True,
        required=False,
        help_text="The id of the company (a customer of kind company) a person works for.",
    )
    external_id = serializers.CharField(
        max_length=64, allow_null=True, allow_blank=True, required=False
    )
    name = serializers.CharField(max_length=200)
    email = serializers.CharField(max_length=254, allow_blank=True, required=False)
    phone = serializers.CharField(max_length=32, allow_blank=True, required=False)
    gender = serializers.ChoiceField(choices=Gender.choices, allow_blank=True, required=False)
    birth_date = serializers.DateField(allow_null=True, required=False)
    region = serializers.ChoiceField(choices=Region.choices, allow_blank=True, required=False)
    city = serializers.CharField(max_length=64, allow_blank=True, required=False)
    customer_group = serializers.SlugRelatedField(
        slug_field="code",
        queryset=CustomerGroup.objects.all(),
        allow_null=True,
        required=False,
        help_text="The group's code.",
    )
    acquisition_channel = serializers.ChoiceField(
        choices=AcquisitionChannel.choices, allow_blank=True, required=False
    )
    status = serializers.ChoiceField(choices=LifecycleStatus.choices, required=False)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="The id of the staff user who owns the customer.",
    )
    custom_fields = CustomFieldsField(entity="customer", required=False)

    class Meta:
        ref_name = "CustomerInput"

    def validate_company(self, company: Customer | None) -> Customer | None:
        # A company the actor cannot see is reported like a missing one.
        user = self.context["request"].user
        if company is not None and not permissions.can_see(user, company):
            raise serializers.ValidationError(
                f'Invalid pk "{company.pk}" - object does not exist.', code="does_not_exist"
            )
        return company


class CustomerUpdateInputSerializer(CustomerInputSerializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="The version you read (or send `If-Match`); a newer one on the server "
        "answers 409, neither answers 428.",
    )

    class Meta:
        ref_name = "CustomerUpdateInput"


class CustomerListQuerySerializer(CursorQuerySerializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="An email, a phone number, an external id or part of a name.",
    )
    kind = serializers.ChoiceField(choices=CustomerKind.choices, required=False)
    customer_group = serializers.SlugField(
        required=False, max_length=40, help_text="A customer group's code."
    )
    region = serializers.ChoiceField(choices=_non_blank(Region.choices), required=False)
    status = serializers.ChoiceField(choices=LifecycleStatus.choices, required=False)
    owner = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    value_tier = serializers.ChoiceField(choices=ValueTier.choices, required=False)


class ConsentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=ConsentChannel.choices)
    granted = serializers.BooleanField()
    occurred_at = serializers.DateTimeField()
    source = serializers.CharField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True)

    class Meta:
        ref_name = "ConsentEvent"


class ConsentInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ConsentChannel.choices)
    granted = serializers.BooleanField()
    source = serializers.CharField(
        max_length=100, help_text='Where the customer said so ("web form", "call").'
    )
    occurred_at = serializers.DateTimeField(
        required=False, help_text="When they said so (default: now)."
    )

    class Meta:
        ref_name = "ConsentInput"


def _customer_response(request: Request, customer: Customer, code: int = 200) -> Response:
    data = output_data(CustomerOutputSerializer, customer, context={"request": request})
    return Response(data, status=code, headers={"ETag": etag(customer.version)})


class CustomerCollectionApi(APIView):
    """``GET`` lists the customers you may see; ``POST`` creates one."""

    @extend_schema(
        operation_id="customers_list",
        parameters=[CustomerListQuerySerializer],
        responses=CustomerPageSerializer,
    )
    def get(self, request: Request) -> Response:
        query = CustomerListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        filters = CustomerFilters(
            kind=params.get("kind", ""),
            customer_group=params.get("customer_group", ""),
            region=params.get("region", ""),
            status=params.get("status", ""),
            owner=params.get("owner"),
            value_tier=params.get("value_tier", ""),
        )
        page = customer_list(
            user=request.user,
            query=params.get("q", ""),
            filters=filters,
            after=params["after"],
            before=params["before"],
            size=params["size"],
        )
        return Response(page_data(request=request, page=page, item=CustomerOutputSerializer))

    @extend_schema(
        operation_id="customers_create",
        request=CustomerInputSerializer,
        responses={201: CustomerOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = CustomerInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        customer = customer_create(actor=request.user, **serializer.validated_data)
        return _customer_response(request, customer, status.HTTP_201_CREATED)


class CustomerItemApi(APIView):
    """``GET``, ``PATCH`` and ``DELETE`` one customer."""

    @extend_schema(operation_id="customers_retrieve", responses=CustomerOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return _customer_response(request, customer_get(user=request.user, pk=pk))

    @extend_schema(
        operation_id="customers_partial_update",
        parameters=[IF_MATCH_PARAMETER],
        request=CustomerUpdateInputSerializer,
        responses=CustomerOutputSerializer,
    )
    def patch(self, request: Request, pk: int) -> Response:
        customer = customer_get(user=request.user, pk=pk)
        serializer = CustomerUpdateInputSerializer(
            data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        body_version = changes.pop("version", None)
        customer = precondition_write(
            request,
            record=customer,
            body_version=body_version,
            authorize=lambda: customer_update_authorize(
                actor=request.user, customer=customer, fields=changes
            ),
            write=lambda expected: customer_update(
                actor=request.user, customer=customer, expected_version=expected, **changes
            ),
        )
        return _customer_response(request, customer)

    @extend_schema(
        operation_id="customers_destroy", parameters=[IF_MATCH_PARAMETER], responses={204: None}
    )
    def delete(self, request: Request, pk: int) -> Response:
        """Move the customer to the trash (``DELETE /api/v1/trash/customers/<id>/`` purges).

        Send ``If-Match`` with the version you read, as for a change.
        """
        customer = customer_get(user=request.user, pk=pk)
        precondition_write(
            request,
            record=customer,
            body_version=None,
            authorize=lambda: record_trash_authorize(actor=request.user, instance=customer),
            write=lambda expected: record_trash(
                instance=customer, actor=request.user, expected_version=expected
            ),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomerConsentApi(APIView):
    """``GET`` a customer's consent history; ``POST`` records a grant or withdrawal."""

    @extend_schema(
        operation_id="customers_consents_list",
        responses=ConsentOutputSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        customer = customer_get(user=request.user, pk=pk)
        events = customer_consent_history(customer=customer, limit=CONSENT_HISTORY_LIMIT)
        return Response(ConsentOutputSerializer(events, many=True).data)

    @extend_schema(
        operation_id="customers_consents_create",
        request=ConsentInputSerializer,
        responses={201: ConsentOutputSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        customer = customer_get(user=request.user, pk=pk)
        serializer = ConsentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event: ConsentEvent = customer_consent_set(
            actor=request.user, customer=customer, **serializer.validated_data
        )
        return Response(ConsentOutputSerializer(event).data, status=status.HTTP_201_CREATED)
