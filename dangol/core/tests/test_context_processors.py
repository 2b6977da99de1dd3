"""The navigation shows each role only the sections it may open."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def nav_keys(client, user) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("customers:list"))
    return [item.key for item in response.context["nav_items"]]


@pytest.mark.parametrize("role_user", ["admin_user", "manager", "marketing", "analyst"])
def test_roles_that_query_the_warehouse_see_the_pivot(request, client, role_user):
    user = request.getfixturevalue(role_user)
    imports = ["integration"] if role_user in ("admin_user", "manager") else []  # may import
    assert nav_keys(client, user) == ["customers", "catalog", "sales", "analytics", *imports]


@pytest.mark.parametrize("role_user", ["sales", "service"])
def test_sales_and_service_do_not_see_the_pivot(request, client, role_user):
    user = request.getfixturevalue(role_user)
    assert nav_keys(client, user) == ["customers", "catalog", "sales"]
