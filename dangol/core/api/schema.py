"""The OpenAPI description: error responses on every operation and the token scheme.

drf-spectacular documents the success responses from each view's serializers; this adds
the problem+json errors a view can answer, so clients and schemathesis know them too.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from dangol.core.api.problems import PROBLEM_CONTENT_TYPE


class ProblemSerializer(serializers.Serializer):
    """An error (RFC 9457 problem details)."""

    type = serializers.CharField(help_text="A URI naming the kind of problem.")
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(help_text="What went wrong, for programs.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per field; nested ones are named like `lines[0].quantity`.",
    )
    current_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="412 only: the record's version now (also its `ETag` header).",
    )

    class Meta:
        ref_name = "Problem"


ERROR_DESCRIPTIONS = {
    "400": "Invalid input; `errors` names the fields.",
    "401": "No valid credentials (missing, unknown or revoked token).",
    "403": "Your role may not do this.",
    "404": "No such record, or not one you may see.",
    "406": "The requested media type is not available (JSON only).",
    "409": "The write conflicts with the stored data.",
    "412": "`If-Match` named a version that is no longer current.",
    "415": "The request body is not JSON.",
    "428": "Neither `If-Match` nor `version` in the body said which version you read.",
    "429": "Too many requests; wait `Retry-After` seconds.",
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class DangolAutoSchema(AutoSchema):
    """Add the problem+json error responses each operation can give."""

    def _error_codes(self) -> list[str]:
        codes = ["400", "401", "403", "406", "429"]
        if "{" in self.path:
            codes.append("404")
        if self.method in WRITE_METHODS:
            codes += ["409", "415"]
        if any(getattr(p, "name", "") == "If-Match" for p in self.get_override_parameters()):
            codes += ["412", "428"]
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code in responses:
                continue
            response = self._get_response_for_code(
                ProblemSerializer, code, media_types=[PROBLEM_CONTENT_TYPE], direction=direction
            )
            response["description"] = ERROR_DESCRIPTIONS[code]
            responses[code] = response
        return responses


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "dangol.core.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A per-user API token: `dangol apitoken create <username>`.",
        }
