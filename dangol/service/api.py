"""REST endpoints for tickets: ``/api/v1/tickets/`` and their messages.

Every write goes through ``dangol.service.services``, as in the UI; a ticket a user may
not see answers 404, a change they may not make 403, a stale ``version`` 409.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dangol.accounts.roles import Role, user_role
from dangol.core.api.fields import VisibleRecordField
from dangol.core.api.http import IF_MATCH_PARAMETER, etag, precondition_write
from dangol.core.api.pagination import CursorQuerySerializer, cursor_page_serializer, page_data
from dangol.core.api.permissions import HasRole
from dangol.core.customfields.api import CustomFieldsField
from dangol.customers.selectors import customer_get
from dangol.service import services
from dangol.service.choices import (
    WRITABLE_MESSAGE_KINDS,
    MessageKind,
    TicketChannel,
    TicketKind,
    TicketPriority,
    TicketStatus,
)
from dangol.service.mailbox import ticket_email_receive
from dangol.service.models import Queue, TicketCategory
from dangol.service.selectors import ticket_get, ticket_list, ticket_messages, ticket_sla_clocks

MAX_INBOUND_EMAIL = 25 * 1024 * 1024


class SlaClockSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=["first_response", "resolution"])
    due = serializers.DateTimeField(allow_null=True)
    met_at = serializers.DateTimeField(allow_null=True)
    minutes_left = serializers.FloatField(
        allow_null=True, help_text="Business minutes left; negative once breached."
    )
    state = serializers.ChoiceField(
        choices=["none", "ok", "warning", "breached", "met", "met_late"]
    )

    class Meta:
        ref_name = "SlaClock"


class TicketOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.name")
    subject = serializers.CharField()
    kind = serializers.ChoiceField(choices=TicketKind.choices)
    channel = serializers.ChoiceField(choices=TicketChannel.choices)
    status = serializers.ChoiceField(choices=TicketStatus.choices)
    priority = serializers.ChoiceField(choices=TicketPriority.choices)
    category = serializers.CharField(source="category.code", allow_null=True, default=None)
    queue = serializers.CharField(source="queue.code", allow_null=True, default=None)
    assignee = serializers.IntegerField(source="assignee_id", allow_null=True)
    opened_at = serializers.DateTimeField()
    first_response_due = serializers.DateTimeField(allow_null=True)
    resolution_due = serializers.DateTimeField(allow_null=True)
    first_responded_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    escalated_at = serializers.DateTimeField(allow_null=True)
    custom_fields = CustomFieldsField(entity="ticket")
    version = serializers.IntegerField(help_text="Send it back with a change (lost updates).")

    class Meta:
        ref_name = "Ticket"


class TicketDetailOutputSerializer(TicketOutputSerializer):
    sla = SlaClockSerializer(many=True, source="sla_clocks")

    class Meta:
        ref_name = "TicketDetail"


class MessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=MessageKind.choices)
    author = serializers.IntegerField(source="author_id", allow_null=True)
    from_address = serializers.CharField()
    body = serializers.CharField()
    occurred_at = serializers.DateTimeField()

    class Meta:
        ref_name = "TicketMessage"


TicketPageSerializer = cursor_page_serializer(TicketOutputSerializer, "TicketPage")


class CustomerIdField(VisibleRecordField):
    def lookup(self, pk: int):
        return customer_get(user=self.context["request"].user, pk=pk)


class SlugChoiceField(serializers.SlugRelatedField):
    """A configured record (queue, category) given by its code."""

    def __init__(self, model, **kwargs) -> None:
        super().__init__(slug_field="code", queryset=model.objects.all(), **kwargs)


class TicketInputSerializer(serializers.Serializer):
    customer = CustomerIdField(help_text="A customer id.")
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=100_000)
    channel = serializers.ChoiceField(choices=TicketChannel.choices)
    kind = serializers.ChoiceField(choices=TicketKind.choices, required=False)
    priority = serializers.ChoiceField(choices=TicketPriority.choices, required=False)
    category = SlugChoiceField(TicketCategory, required=False, help_text="A category code.")
    queue = SlugChoiceField(Queue, required=False, help_text="A queue code.")
    custom_fields = CustomFieldsField(entity="ticket", required=False)

    class Meta:
        ref_name = "TicketInput"


class TicketUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        help_text="The version you read (or send `If-Match`); neither answers 428.",
    )
    status = serializers.ChoiceField(choices=TicketStatus.choices, required=False)
    priority = serializers.ChoiceField(choices=TicketPriority.choices, required=False)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        help_text="A staff user id.",
    )
    queue = SlugChoiceField(Queue, required=False, help_text="A queue code.")
    custom_fields = CustomFieldsField(entity="ticket", required=False)

    class Meta:
        ref_name = "TicketUpdate"


class MessageInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=WRITABLE_MESSAGE_KINDS,
        help_text="reply: emailed to the customer; note: internal.",
    )
    body = serializers.CharField(max_length=100_000)

    class Meta:
        ref_name = "TicketMessageInput"


class TicketListQuerySerializer(CursorQuerySerializer):
    status = serializers.ChoiceField(
        choices=[("active", "active"), *TicketStatus.choices], required=False
    )
    customer = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    mine = serializers.BooleanField(required=False, default=False)
    breached = serializers.BooleanField(required=False, default=False)


def _detail(request: Request, pk: int, code: int = 200) -> Response:
    ticket = ticket_get(user=request.user, pk=pk)
    ticket.sla_clocks = ticket_sla_clocks(ticket=ticket)
    data = TicketDetailOutputSerializer(ticket).data
    return Response(data, status=code, headers={"ETag": etag(ticket.version)})


class TicketCollectionApi(APIView):
    """``GET`` lists the tickets you may see; ``POST`` opens one for a customer."""

    @extend_schema(
        operation_id="tickets_list",
        parameters=[TicketListQuerySerializer],
        responses=TicketPageSerializer,
    )
    def get(self, request: Request) -> Response:
        query = TicketListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        page = ticket_list(
            user=request.user,
            status=params.get("status", ""),
            customer_id=params.get("customer"),
            mine=params["mine"],
            breached=params["breached"],
            after=params["after"],
            before=params["before"],
            size=params["size"],
        )
        return Response(page_data(request=request, page=page, item=TicketOutputSerializer))

    @extend_schema(
        operation_id="tickets_create",
        request=TicketInputSerializer,
        responses={201: TicketDetailOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = TicketInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        ticket = services.ticket_open(actor=request.user, **serializer.validated_data)
        return _detail(request, ticket.pk, status.HTTP_201_CREATED)


class TicketItemApi(APIView):
    """``GET`` one ticket with its SLA clocks; ``PATCH`` its status, priority or owner."""

    @extend_schema(operation_id="tickets_retrieve", responses=TicketDetailOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return _detail(request, pk)

    @extend_schema(
        operation_id="tickets_partial_update",
        parameters=[IF_MATCH_PARAMETER],
        request=TicketUpdateSerializer,
        responses=TicketDetailOutputSerializer,
    )
    def patch(self, request: Request, pk: int) -> Response:
        ticket = ticket_get(user=request.user, pk=pk)
        serializer = TicketUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        body_version = changes.pop("version", None)
        precondition_write(
            request,
            record=ticket,
            body_version=body_version,
            authorize=lambda: services.ticket_update_authorize(actor=request.user, ticket=ticket),
            write=lambda expected: services.ticket_update(
                actor=request.user, ticket=ticket, version=expected, **changes
            ),
        )
        return _detail(request, pk)


class TicketMessageCollectionApi(APIView):
    """``GET`` a ticket's messages (oldest first); ``POST`` a reply or an internal note."""

    @extend_schema(
        operation_id="ticket_messages_list", responses=MessageOutputSerializer(many=True)
    )
    def get(self, request: Request, pk: int) -> Response:
        ticket = ticket_get(user=request.user, pk=pk)
        return Response(MessageOutputSerializer(ticket_messages(ticket=ticket), many=True).data)

    @extend_schema(
        operation_id="ticket_messages_create",
        request=MessageInputSerializer,
        responses={201: MessageOutputSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        ticket = ticket_get(user=request.user, pk=pk)
        serializer = MessageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["kind"] == MessageKind.REPLY:
            message = services.ticket_reply(actor=request.user, ticket=ticket, body=data["body"])
        else:
            message = services.ticket_note_add(actor=request.user, ticket=ticket, body=data["body"])
        return Response(MessageOutputSerializer(message).data, status=status.HTTP_201_CREATED)


class RawEmailParser(BaseParser):
    """Take the request body as one raw RFC 5322 message (what mail gateways post)."""

    media_type = "message/rfc822"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        data = stream.read(MAX_INBOUND_EMAIL + 1) if stream is not None else b""
        if len(data) > MAX_INBOUND_EMAIL:
            raise exceptions.ParseError("The email is larger than 25 MB")
        return data


class InboundEmailResultSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(allow_null=True)
    created = serializers.BooleanField(help_text="A new ticket was opened.")
    duplicate = serializers.BooleanField(help_text="This Message-ID was already stored.")

    class Meta:
        ref_name = "InboundEmailResult"


class MayReceiveMail(HasRole):
    message = "Only the service desk's integrations may post inbound mail."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and user_role(request.user) in (
            Role.ADMIN,
            Role.SERVICE,
        )


class InboundEmailApi(APIView):
    """``POST`` one raw email (``message/rfc822``) from a mail gateway: threaded or a new ticket.

    The alternative to fetching a mailbox over IMAP, for providers that push inbound
    mail by webhook. Same threading and de-duplication as the mailbox fetch.
    """

    parser_classes = [RawEmailParser]
    permission_classes = [MayReceiveMail]

    @extend_schema(
        operation_id="inbound_email_receive",
        request={"message/rfc822": {"type": "string", "format": "binary"}},
        responses={200: InboundEmailResultSerializer, 201: InboundEmailResultSerializer},
    )
    def post(self, request: Request) -> Response:
        received = ticket_email_receive(raw=request.data or b"")
        body = {
            "ticket": received.ticket_id,
            "created": received.created,
            "duplicate": received.duplicate,
        }
        return Response(body, status=status.HTTP_201_CREATED if received.created else 200)
