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


def test_labels_are_translated_once_per_language(rf, sales):
    from django.utils import translation

    from dangol.core import context_processors as cp

    request = rf.get("/")
    request.user = sales
    cp._NAV_LABELS.clear()
    for language in ("ko", "en", "ko"):
        with translation.override(language):
            labels = [item.label for item in cp.navigation(request)["nav_items"]]
            expected = [
                str(label) for key, label, _u, _r in cp.NAVIGATION if key in EXPECTED["sales"]
            ]
        assert labels == expected
        assert all(type(label) is str for label in labels)
    assert sorted(language for language, _generation in cp._NAV_LABELS) == ["en", "ko"]
