"""The API permission matrix: every role x every endpoint x read/write, and anonymous.

The table is the specification; each cell runs as a real request with an API token of a
user of that role. The expected statuses are the UI's role rules (``customers/
permissions.py`` and the services), reached through the same services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from dangol.accounts.roles import Role
from dangol.accounts.services import api_token_create
from dangol.accounts.tests.factories import UserFactory
from dangol.catalog.tests.factories import ProductFactory
from dangol.core.tests.api_support import PROBLEM, clean_throttle, token_client
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.tests.factories import OrderFactory, OrderLineFactory

__all__ = ["clean_throttle"]

ALL = frozenset(Role)
READ, WRITE = "read", "write"


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # formatted with the ``World`` ids
    access: str  # READ or WRITE
    allowed: frozenset[Role]
    ok: int  # the status when allowed; 403 otherwise
    body: dict[str, Any] | None = None
    headers: dict[str, str] | None = None  # as Django test client keywords (HTTP_...)


MATRIX = [
    Endpoint("customer list", "get", "/api/v1/customers/", READ, ALL, 200),
    Endpoint("customer detail", "get", "/api/v1/customers/{customer}/", READ, ALL, 200),
    Endpoint(
        "customer create",
        "post",
        "/api/v1/customers/",
        WRITE,
        frozenset({Role.ADMIN, Role.MANAGER, Role.SALES, Role.SERVICE}),
        201,
        {"name": "새 고객"},
    ),
    Endpoint(
        "customer update contact",
        "patch",
        "/api/v1/customers/{customer}/",
        WRITE,
        frozenset({Role.ADMIN, Role.MANAGER, Role.SALES, Role.SERVICE}),
        200,
        {"city": "Busan", "version": 1},
    ),
    Endpoint(
        "customer update channel",
        "patch",
        "/api/v1/customers/{customer}/",
        WRITE,
        frozenset({Role.ADMIN, Role.MANAGER, Role.SALES, Role.MARKETING}),
        200,
        {"acquisition_channel": "online", "version": 1},
    ),
    Endpoint(
        "customer delete",
        "delete",
        "/api/v1/customers/{deletable}/",
        WRITE,
        frozenset({Role.ADMIN, Role.MANAGER}),
        204,
        headers={"HTTP_IF_MATCH": '"1"'},
    ),
    Endpoint("consent history", "get", "/api/v1/customers/{customer}/consents/", READ, ALL, 200),
    Endpoint(
        "consent record",
        "post",
        "/api/v1/customers/{customer}/consents/",
        WRITE,
        ALL - {Role.ANALYST},
        201,
        {"channel": "email", "granted": True, "source": "web form"},
    ),
    Endpoint(
        "interaction list", "get", "/api/v1/customers/{customer}/interactions/", READ, ALL, 200
    ),
    Endpoint(
        "interaction log",
        "post",
        "/api/v1/customers/{customer}/interactions/",
        WRITE,
        ALL - {Role.ANALYST},
        201,
        {"channel": "phone", "direction": "outbound", "subject": "Follow-up call"},
    ),
    Endpoint("product list", "get", "/api/v1/products/", READ, ALL, 200),
    Endpoint("product detail", "get", "/api/v1/products/{product}/", READ, ALL, 200),
    Endpoint(
        "product create",
        "post",
        "/api/v1/products/",
        WRITE,
        frozenset({Role.ADMIN, Role.MANAGER}),
        201,
        {"sku": "NEW-1", "name": "Milk", "unit_price": "1500.00", "unit_cost": "900"},
    ),
    Endpoint(
        "product update",
        "patch",
        "/api/v1/products/{product}/",
        WRITE,
        frozenset({Role.ADMIN, Role.MANAGER}),
        200,
        {"unit_price": "1200.00"},
    ),
    Endpoint("order list", "get", "/api/v1/orders/", READ, ALL, 200),
    Endpoint("order detail", "get", "/api/v1/orders/{order}/", READ, ALL, 200),
    Endpoint(
        "order create",
        "post",
        "/api/v1/orders/",
        WRITE,
        frozenset({Role.ADMIN, Role.MANAGER, Role.SALES}),
        201,
        {
            "customer": "{customer}",
            "number": "API-1",
            "channel": "online",
            "lines": [{"product": "{product}", "quantity": 2}],
        },
    ),
    Endpoint(
        "order status",
        "patch",
        "/api/v1/orders/{order}/",
        WRITE,
        frozenset({Role.ADMIN, Role.MANAGER, Role.SALES}),
        200,
        {"status": "paid"},
    ),
    Endpoint("own tokens", "get", "/api/v1/tokens/", READ, ALL, 200),
    Endpoint("token create", "post", "/api/v1/tokens/", WRITE, ALL, 201, {"name": "ERP"}),
    Endpoint("token revoke", "delete", "/api/v1/tokens/{own_token}/", WRITE, ALL, 204),
]


def _fill(value: Any, ids: dict[str, int]) -> Any:
    """Return ``value`` with ``"{name}"`` placeholders replaced by the world's ids."""
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value


@pytest.fixture
def world(users_by_role, sales):
    """A customer every role sees (owned by sales in the manager's team), and its data."""
    customer = CustomerFactory(owner=sales)
    deletable = CustomerFactory(owner=sales)
    product = ProductFactory()
    order = OrderFactory(customer=customer, status="pending")
    OrderLineFactory(order=order, product=product)
    return {
        "customer": customer.pk,
        "deletable": deletable.pk,
        "product": product.pk,
        "order": order.pk,
    }


def _call(client: APIClient, endpoint: Endpoint, ids: dict[str, int]):
    path = endpoint.path.format(**ids)
    body = _fill(endpoint.body, ids) if endpoint.body is not None else None
    headers = endpoint.headers or {}
    return getattr(client, endpoint.method)(path, body, format="json", **headers)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("endpoint", MATRIX, ids=lambda e: f"{e.access}:{e.name}")
def test_role_matrix(endpoint, role, users_by_role, world):
    user = users_by_role[role]
    client = token_client(user)
    own_token, _ = api_token_create(user=user, name="to revoke")
    ids = {**world, "own_token": own_token.pk}

    response = _call(client, endpoint, ids)

    expected = endpoint.ok if role in endpoint.allowed else 403
    assert response.status_code == expected, response.content
    if expected == 403:
        assert response["Content-Type"] == PROBLEM
        assert response.json()["status"] == 403


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", MATRIX, ids=lambda e: f"{e.access}:{e.name}")
def test_anonymous_gets_401_everywhere(endpoint, world):
    response = _call(APIClient(), endpoint, {**world, "own_token": 1})

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", MATRIX, ids=lambda e: f"{e.access}:{e.name}")
def test_a_user_without_a_role_gets_403_everywhere(endpoint, world):
    nobody = UserFactory(username="nobody")

    response = _call(token_client(nobody), endpoint, {**world, "own_token": 1})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


OUT_OF_SIGHT = [
    ("get", "/api/v1/customers/{customer}/", None),
    ("patch", "/api/v1/customers/{customer}/", {"city": "Busan"}),
    ("delete", "/api/v1/customers/{deletable}/", None),
    ("get", "/api/v1/customers/{customer}/consents/", None),
    (
        "post",
        "/api/v1/customers/{customer}/interactions/",
        {"channel": "phone", "direction": "inbound", "subject": "x"},
    ),
    ("get", "/api/v1/orders/{order}/", None),
    ("patch", "/api/v1/orders/{order}/", {"status": "paid"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "body"), OUT_OF_SIGHT)
def test_another_teams_customer_is_404_for_sales_and_managers(
    method, path, body, world, other_sales, other_team
):
    # other_sales's team is not the owner's team: their records do not exist for them.
    other_manager = UserFactory(username="other_manager", role=Role.MANAGER, team=other_team)
    for user in (other_sales, other_manager):
        response = getattr(token_client(user), method)(path.format(**world), body, format="json")

        assert response.status_code == 404, (user.username, response.content)
        assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_lists_hold_only_what_the_role_may_see(world, other_sales, sales):
    theirs = CustomerFactory(owner=other_sales)
    OrderFactory(customer=theirs)

    customers = token_client(other_sales).get("/api/v1/customers/").json()["results"]
    orders = token_client(other_sales).get("/api/v1/orders/").json()["results"]
    sales_orders = token_client(sales).get("/api/v1/orders/").json()["results"]

    assert [c["id"] for c in customers] == [theirs.pk]
    assert [o["customer"] for o in orders] == [theirs.pk]
    assert [o["id"] for o in sales_orders] == [world["order"]]
