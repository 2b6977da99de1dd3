"""The API's error contract: problem+json everywhere, rate limits, schema and docs."""

from __future__ import annotations

import json

import pytest
from django.db import DataError
from django.test import RequestFactory
from rest_framework.test import APIClient

from dangol.core import errors as domain
from dangol.core.api.exceptions import problem_exception_handler
from dangol.core.api.middleware import ApiErrorMiddleware
from dangol.core.api.pagination import decode_cursor, encode_cursor
from dangol.core.tests.api_support import PROBLEM, clean_throttle, token_client

__all__ = ["clean_throttle"]


@pytest.mark.django_db
class TestRateLimits:
    def test_a_token_over_its_rate_gets_429_with_retry_after(self, settings, analyst):
        settings.DANGOL_API_RATES = {"token": "3/minute", "user": "3/minute", "anon": "3/minute"}
        client = token_client(analyst)

        statuses = [client.get("/api/v1/products/").status_code for _ in range(4)]
        refused = client.get("/api/v1/products/")

        assert statuses == [200, 200, 200, 429]
        assert refused.status_code == 429
        assert refused["Content-Type"] == PROBLEM
        assert 1 <= int(refused["Retry-After"]) <= 60
        body = refused.json()
        assert (body["status"], body["code"], body["title"]) == (
            429,
            "throttled",
            "Too Many Requests",
        )

    def test_each_token_has_its_own_budget(self, settings, analyst):
        settings.DANGOL_API_RATES = {"token": "2/minute", "user": "2/minute", "anon": "2/minute"}
        first, second = token_client(analyst), token_client(analyst)

        first_statuses = [first.get("/api/v1/products/").status_code for _ in range(3)]
        second_status = second.get("/api/v1/products/").status_code

        assert first_statuses == [200, 200, 429]
        assert second_status == 200

    def test_session_users_are_limited_per_user(self, settings, analyst):
        settings.DANGOL_API_RATES = {"token": "100/minute", "user": "1/minute", "anon": "1/minute"}
        client = APIClient()
        client.force_login(analyst)

        statuses = [client.get("/api/v1/products/").status_code for _ in range(2)]

        assert statuses == [200, 429]


@pytest.mark.django_db
class TestProblemResponses:
    def test_unknown_api_address_is_a_json_404(self, analyst):
        response = token_client(analyst).get("/api/v1/nothing-here/")

        assert response.status_code == 404
        assert response["Content-Type"] == PROBLEM
        assert response.json()["code"] == "not_found"

    def test_unknown_api_version_is_a_json_404_even_anonymously(self, client):
        response = client.get("/api/v2/customers/")

        assert response.status_code == 404
        assert response["Content-Type"] == PROBLEM

    def test_method_not_allowed_is_405_problem(self, analyst):
        response = token_client(analyst).put("/api/v1/customers/", {})

        assert response.status_code == 405
        assert response["Content-Type"] == PROBLEM
        assert response.json()["code"] == "method_not_allowed"

    def test_only_json_is_offered(self, analyst):
        response = token_client(analyst).get("/api/v1/customers/", HTTP_ACCEPT="text/html")

        assert response.status_code == 406
        assert response.json()["status"] == 406

    def test_an_exception_escaping_a_view_is_a_bare_500_problem(self, rf: RequestFactory):
        middleware = ApiErrorMiddleware(lambda request: None)
        request = rf.get("/api/v1/customers/")

        response = middleware.process_exception(request, RuntimeError("secret internals"))

        assert response.status_code == 500
        assert response["Content-Type"] == PROBLEM
        assert "secret" not in response.content.decode()
        assert json.loads(response.content)["code"] == "server_error"

    def test_pages_outside_the_api_keep_their_html_errors(self, rf: RequestFactory):
        middleware = ApiErrorMiddleware(lambda request: None)

        assert middleware.process_exception(rf.get("/customers/"), RuntimeError()) is None

    @pytest.mark.parametrize(
        ("error", "status"),
        [
            (domain.ValidationError("bad", field="name"), 400),
            (domain.PermissionDeniedError("no"), 403),
            (domain.NotFoundError("gone"), 404),
            (domain.ConflictError("changed"), 409),
            (DataError("value too long"), 400),
        ],
    )
    def test_domain_errors_map_to_statuses(self, error, status):
        response = problem_exception_handler(error, {})

        assert response.status_code == status
        assert response.data["status"] == status
        assert response.data["type"].startswith("urn:dangol:problem:")

    def test_a_domain_validation_error_names_its_field(self):
        error = domain.ValidationError("Too long", code="too_long", field="name")

        body = problem_exception_handler(error, {}).data

        assert body == {
            "type": "urn:dangol:problem:too_long",
            "title": "Bad Request",
            "status": 400,
            "detail": "Too long",
            "code": "too_long",
            "errors": {"name": ["Too long"]},
        }


class TestCursors:
    def test_round_trip(self):
        assert decode_cursor(encode_cursor(after=42)) == (42, None)
        assert decode_cursor(encode_cursor(before=7)) == (None, 7)

    @pytest.mark.parametrize("cursor", ["", "!!!", "YTp4", "Yzo1", "YTow", "YTotMQ", "é"])
    def test_forged_cursors_are_rejected(self, cursor):
        from rest_framework.exceptions import ValidationError

        with pytest.raises(ValidationError):
            decode_cursor(cursor)


@pytest.mark.django_db
class TestSchemaAndDocs:
    def test_openapi_3_schema_lists_every_domain(self, client):
        response = client.get("/api/v1/openapi.json")

        assert response.status_code == 200
        schema = response.json()
        assert schema["openapi"].startswith("3.")
        assert {
            "/api/v1/customers/",
            "/api/v1/customers/{id}/",
            "/api/v1/customers/{id}/consents/",
            "/api/v1/customers/{id}/interactions/",
            "/api/v1/products/",
            "/api/v1/products/{id}/",
            "/api/v1/orders/",
            "/api/v1/orders/{id}/",
            "/api/v1/tokens/",
            "/api/v1/tokens/{id}/",
        } <= set(schema["paths"])
        assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
        problem = schema["paths"]["/api/v1/customers/"]["post"]["responses"]["400"]
        assert list(problem["content"]) == [PROBLEM]

    @pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
    def test_interactive_docs_load_their_assets_locally(self, client, path):
        response = client.get(path)

        assert response.status_code == 200
        page = response.content.decode()
        assert "/static/drf_spectacular_sidecar/" in page
        assert "cdn." not in page and "unpkg" not in page
