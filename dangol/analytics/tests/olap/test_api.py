"""``POST /api/v1/olap/query``: roles, validation as problem+json, the schema."""

from __future__ import annotations

import pytest

from dangol.accounts.roles import Role
from dangol.core.tests.api_support import PROBLEM, clean_throttle, token_client

__all__ = ["clean_throttle"]

URL = "/api/v1/olap/query"
BODY = {
    "measures": ["revenue", "customers"],
    "by": ["region", "month"],
    "filters": {"customer_group": ["retail"]},
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMIN, 200),
        (Role.MANAGER, 200),
        (Role.MARKETING, 200),
        (Role.ANALYST, 200),
        (Role.SALES, 403),
        (Role.SERVICE, 403),
    ],
)
def test_roles(published_warehouse, users_by_role, role, status):
    response = token_client(users_by_role[role]).post(URL, BODY, format="json")

    assert response.status_code == status


@pytest.mark.django_db
def test_answers_exact_rows(published_warehouse, analyst):
    response = token_client(analyst).post(URL, BODY, format="json")

    body = response.json()
    assert body["columns"] == ["region", "month", "revenue", "customers"]
    assert body["rows"] == [
        {"region": "busan", "month": "2025-01", "revenue": "3000.00", "customers": 1},
        {"region": "seoul", "month": "2025-01", "revenue": "7000.00", "customers": 1},
        {"region": "seoul", "month": "2025-02", "revenue": "4500.00", "customers": 1},
    ]
    assert "fact" not in body["sources"]


@pytest.mark.django_db
def test_anonymous_is_401(published_warehouse, client):
    assert client.post(URL, BODY, content_type="application/json").status_code == 401


@pytest.mark.django_db
def test_unknown_names_are_400_problems_naming_them(published_warehouse, analyst):
    api = token_client(analyst)

    bad_measure = api.post(URL, {"measures": ["profit"]}, format="json")
    bad_filter = api.post(
        URL, {"measures": ["revenue"], "filters": {"planet": ["mars"]}}, format="json"
    )

    assert bad_measure.status_code == 400
    assert bad_measure["Content-Type"] == PROBLEM
    assert list(bad_measure.json()["errors"]) == ["measures[0]"]
    assert '"profit"' in bad_measure.json()["errors"]["measures[0]"][0]
    assert bad_filter.status_code == 400
    assert bad_filter.json()["code"] == "olap_unknown_dimension"
    assert "planet" in bad_filter.json()["detail"]
    assert bad_filter.json()["errors"] == {"filters": [bad_filter.json()["detail"]]}


@pytest.mark.django_db
def test_hostile_filter_value_is_just_a_value(published_warehouse, analyst):
    body = {
        "measures": ["revenue"],
        "by": ["region"],
        "filters": {"region": ["x'); DROP TABLE fact_sales; --"]},
    }

    response = token_client(analyst).post(URL, body, format="json")

    assert response.status_code == 200
    assert response.json()["rows"] == []


@pytest.mark.django_db
def test_no_warehouse_is_409_problem(settings, tmp_path, analyst):
    settings.DATA_DIR = tmp_path

    response = token_client(analyst).post(URL, BODY, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "warehouse_missing"


@pytest.mark.django_db
def test_schema_describes_request_and_response(client):
    schema = client.get("/api/v1/openapi.json").json()

    operation = schema["paths"]["/api/v1/olap/query"]["post"]
    assert operation["operationId"] == "olap_query"
    assert set(operation["responses"]) >= {"200", "400", "401", "403", "409"}
    request = schema["components"]["schemas"]["OlapQueryRequest"]
    assert request["required"] == ["measures"]
    measures = request["properties"]["measures"]["items"]
    assert set(schema["components"]["schemas"][measures["$ref"].split("/")[-1]]["enum"]) == {
        "revenue",
        "margin",
        "orders",
        "customers",
        "aov",
        "quantity",
    }
