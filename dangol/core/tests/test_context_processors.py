"""The navigation shows each role only the sections it may open."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

EXPECTED = {
    "admin_user": [
        *("home", "customers", "catalog", "sales", "pipeline", "service"),
        *("analytics", "webanalytics", "marketing", "integration", "automation"),
        *("customfields", "audit"),
    ],
    "manager": [
        *("home", "customers", "catalog", "sales", "pipeline", "service"),
        *("analytics", "webanalytics", "marketing", "integration", "automation", "audit"),
    ],
    "sales": ["home", "customers", "catalog", "sales", "pipeline", "service"],
    "service": ["home", "customers", "catalog", "sales", "service", "integration"],
    "marketing": [
        *("home", "customers", "catalog", "sales", "service", "analytics", "webanalytics"),
        "marketing",
    ],
    "analyst": [
        *("home", "customers", "catalog", "sales", "service", "analytics", "webanalytics"),
        "marketing",
    ],
}


def nav_keys(client, user) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("customers:list"))
    return [item.key for item in response.context["nav_items"]]


@pytest.mark.parametrize("role_user", sorted(EXPECTED))
def test_each_role_sees_its_sections(request, client, role_user):
    user = request.getfixturevalue(role_user)
    assert nav_keys(client, user) == EXPECTED[role_user]
