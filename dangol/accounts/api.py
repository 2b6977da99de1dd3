"""REST endpoints for your own API tokens: ``/api/v1/tokens/``.

A token acts as its user, with that user's role; the plaintext is returned once, at
creation, and only its hash is kept.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dangol.accounts.selectors import api_token_get, api_token_list
from dangol.accounts.services import api_token_create, api_token_revoke


class ApiTokenOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The token's first characters, to recognise it.")
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "ApiToken"


class ApiTokenCreatedSerializer(ApiTokenOutputSerializer):
    token = serializers.CharField(help_text="The secret: shown this once, never again.")

    class Meta:
        ref_name = "ApiTokenCreated"


class ApiTokenInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text='What the token is for ("ERP sync").')

    class Meta:
        ref_name = "ApiTokenInput"


class ApiTokenCollectionApi(APIView):
    """``GET`` lists your active tokens; ``POST`` creates one."""

    @extend_schema(operation_id="tokens_list", responses=ApiTokenOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        tokens = api_token_list(user=request.user)
        return Response(ApiTokenOutputSerializer(tokens, many=True).data)

    @extend_schema(
        operation_id="tokens_create",
        request=ApiTokenInputSerializer,
        responses={201: ApiTokenCreatedSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = ApiTokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, plaintext = api_token_create(user=request.user, **serializer.validated_data)
        token.token = plaintext
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class ApiTokenItemApi(APIView):
    """``DELETE`` revokes one of your tokens (it stops working at once)."""

    @extend_schema(operation_id="tokens_revoke", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        api_token_revoke(token=api_token_get(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
