"""The recommendations API and page: visibility of the customer, roles, the refresh job."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dangol.accounts.roles import Role
from dangol.analytics.models import ModelKind, ModelRun
from dangol.analytics.recommend.services import recommendations_refresh
from dangol.core.models import Job, JobStatus
from dangol.core.tests.api_support import clean_throttle, token_client

__all__ = ["clean_throttle"]
pytestmark = pytest.mark.django_db


def test_customer_recommendations_api(shop, admin_user, sales):
    customers, products = shop
    recommendations_refresh(evaluate=False)
    url = f"/api/v1/customers/{customers[13].pk}/recommendations/"
    body = token_client(admin_user).get(url).json()
    assert [(r["kind"], r["rank"], r["product_id"]) for r in body] == [
        ("cross", 1, products[4].pk),
        ("up", 1, products[1].pk),
        ("cross", 2, products[1].pk),
        ("up", 2, products[2].pk),
        ("cross", 3, products[2].pk),
    ]
    assert body[1]["unit_price"] == "1000.00" and body[1]["category"] == "Milk"
    only = token_client(admin_user).get(url, {"kind": "up", "limit": 1}).json()
    assert [r["product_id"] for r in only] == [products[1].pk]
    # The customers belong to the admin: a sales person may not see them (404, not 403).
    assert token_client(sales).get(url).status_code == 404
    assert token_client(admin_user).get(url, {"limit": 0}).status_code == 400


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ANALYST, 202), (Role.MARKETING, 202), (Role.SALES, 403), (Role.SERVICE, 403)],
)
def test_refresh_api_roles_and_job(
    shop,
    settings,
    users_by_role,
    role,
    status,
    django_capture_on_commit_callbacks,
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        r = token_client(users_by_role[role]).post("/api/v1/recommendations/refresh/")
    assert r.status_code == status
    if status == 202:
        job = Job.objects.get(pk=r.json()["job_id"])
        assert job.status == JobStatus.SUCCEEDED
        assert job.result["model_run"] == ModelRun.objects.get(kind=ModelKind.RECOMMEND).pk


def test_overview_page(shop, client, analyst, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client.force_login(analyst)
    assert (
        "No recommendations stored yet."
        in client.get(reverse("analytics:recommend")).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("analytics:recommend"))
    assert r.status_code == 302
    html = client.get(reverse("analytics:recommend")).content.decode()
    assert "come from version 1 (5 customers)" in html
    assert "popularity" in html and "cosine" in html
