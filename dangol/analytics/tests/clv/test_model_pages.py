"""Model pages: who may see them, what a card shows, jobs started from them end to end."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from dangol.analytics.modelcards.charts import chart
from dangol.analytics.modelcards.services import model_run_create
from dangol.analytics.models import ModelRun
from dangol.analytics.tests.clv.generated import PRODUCTS, generated_sales
from dangol.analytics.tests.warehouse_fixture import publish_test_warehouse
from dangol.core.models import Job
from dangol.customers.models import CustomerScore
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ALLOWED = ["admin_user", "manager", "marketing", "analyst"]
REFUSED = ["sales", "service"]


@pytest.fixture
def response_run(admin_user):
    """A run of another model kind, written the way any model writes its card."""
    return model_run_create(
        kind="response",
        algorithm="logistic regression",
        params={"features": ["recency", "history"], "C": 1.0},
        metrics={"auc": 0.61, "top_decile_lift": 1.8},
        charts={
            "gain": chart(
                type="scatter",
                title="Gain",
                x=[0.1, 0.5, 1.0],
                series={"model": [0.2, 0.7, 1.0], "random": [0.1, 0.5, 1.0]},
                lines=True,
            ),
            "lift": chart(
                type="bar", title="Lift by decile", x=[1, 2], series={"lift": [1.8, 1.3]}
            ),
        },
        created_by=admin_user,
    )


@pytest.mark.parametrize("role_user", ALLOWED)
def test_allowed_roles_see_the_list_and_the_card(request, client, role_user, response_run):
    client.force_login(request.getfixturevalue(role_user))
    listing = client.get(reverse("analytics:model_list"))
    assert listing.status_code == 200
    assert reverse("analytics:model_detail", args=[response_run.pk]) in listing.content.decode()
    card = client.get(reverse("analytics:model_detail", args=[response_run.pk]))
    assert card.status_code == 200
    html = card.content.decode()
    assert "logistic regression" in html
    assert "top_decile_lift" in html and "1.8" in html
    # The charts travel as JSON to the generic drawing script.
    charts = card.context["charts"]
    assert list(charts) == ["gain", "lift"]
    assert charts["lift"]["series"] == {"lift": [1.8, 1.3]}
    assert (charts["gain"]["order"], charts["lift"]["order"]) == (0, 1)
    assert 'id="model-charts-data"' in html
    assert 'data-chart="gain"' in html and 'data-chart="lift"' in html


@pytest.mark.parametrize("role_user", REFUSED)
def test_other_roles_get_403(request, client, role_user, response_run):
    client.force_login(request.getfixturevalue(role_user))
    assert client.get(reverse("analytics:model_list")).status_code == 403
    url = reverse("analytics:model_detail", args=[response_run.pk])
    assert client.get(url).status_code == 403
    assert client.get(reverse("analytics:churn_at_risk")).status_code == 403
    assert client.get(reverse("analytics:churn_at_risk_export")).status_code == 403


def test_list_shows_latest_version_first(client, analyst):
    for _ in range(3):
        model_run_create(kind="churn", algorithm="hgb", params={}, metrics={"auc": 0.7})
    client.force_login(analyst)
    response = client.get(reverse("analytics:model_list"))
    churn = next(group for group in response.context["kinds"] if group["kind"] == "churn")
    assert [run.version for run, _headline in churn["runs"]] == [3, 2, 1]
    assert churn["runs"][0][1] == [("auc", 0.7)]


def test_only_managers_and_analysts_may_start_jobs(client, marketing, analyst):
    url = reverse("analytics:model_job_start", args=["clv", "train"])
    client.force_login(marketing)
    assert client.post(url).status_code == 403
    assert Job.objects.count() == 0
    client.force_login(analyst)
    listing = client.get(reverse("analytics:model_list"))
    assert url in listing.content.decode()


@pytest.fixture
def warehouse(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    buyers = [c.pk for c in CustomerFactory.create_batch(40)]
    publish_test_warehouse(
        tmp_path,
        products=PRODUCTS,
        sales=generated_sales(buyers, start=dt.date(2024, 1, 1), days=364, seed=5),
    )
    return buyers


@pytest.mark.parametrize("role_user", ["manager", "analyst"])
def test_clv_job_runs_end_to_end_from_the_page(
    request, client, role_user, warehouse, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(role_user)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analytics:model_job_start", args=["clv", "train"]))
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("analytics:model_list") + f"?job={job.pk}"
    assert (job.kind, job.status, job.created_by_id) == ("model.clv.train", "succeeded", user.pk)
    run = ModelRun.objects.get(kind="clv")
    assert job.result == {"model_run": run.pk, "version": 1, "customers_scored": 40}
    assert run.created_by_id == user.pk
    assert CustomerScore.objects.filter(clv__isnull=False, p_alive__isnull=False).count() == 40
    # The list shows the finished job and the new card draws the validation charts.
    page = client.get(response["Location"])
    assert page.context["job"].status == "succeeded"
    card = client.get(reverse("analytics:model_detail", args=[run.pk]))
    data = json.loads(
        card.content.decode()
        .split('id="model-charts-data" type="application/json">')[1]
        .split("</script>")[0]
    )
    # Drawing order survives PostgreSQL's jsonb (which sorts keys): the view sorts by order.
    assert list(data) == ["tracking_cumulative", "tracking_weekly", "conditional_expectation"]
    assert [spec["order"] for spec in data.values()] == [0, 1, 2]


def test_scorers_are_registered_after_refresh(settings):
    from django.utils.module_loading import import_string

    assert "dangol.analytics.clv.services.clv_scorer" in settings.DANGOL_SCORERS_AFTER_REFRESH
    assert "dangol.analytics.churn.services.churn_scorer" in settings.DANGOL_SCORERS_AFTER_REFRESH
    for path in settings.DANGOL_SCORERS_AFTER_REFRESH:
        assert callable(import_string(path))


def test_clv_scorer_writes_back(warehouse):
    from dangol.analytics.clv.services import clv_scorer

    assert clv_scorer(as_of=dt.date(2030, 1, 1), progress=None) == 40
    assert ModelRun.objects.get(kind="clv").version == 1
