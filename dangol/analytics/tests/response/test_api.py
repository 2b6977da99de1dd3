"""The SEMMA flow through the REST API, its roles, and the training job end to end."""

from __future__ import annotations

import pytest

from dangol.accounts.roles import Role
from dangol.analytics.models import ModelKind, ModelRun, ResponseStudy
from dangol.analytics.response.services import response_model_train
from dangol.analytics.tests.response.synthetic import synthetic_csv
from dangol.core.models import Job, JobStatus
from dangol.core.tests.api_support import PROBLEM, clean_throttle, token_client

__all__ = ["clean_throttle"]
pytestmark = pytest.mark.django_db
BASE = "/api/v1/response/"


@pytest.fixture
def immediate(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _create(client, **extra):
    body = {"name": "Spring mailing", "response_column": "responded", "csv_text": synthetic_csv()}
    return client.post(f"{BASE}studies/", body | extra, format="json")


def test_semma_steps_through_the_api(immediate, analyst, django_capture_on_commit_callbacks):
    client = token_client(analyst)
    created = _create(client)
    assert created.status_code == 201, created.content
    study = created.json()
    assert study["rows"] == 400 and study["source"] == "csv"
    assert study["features"] == [
        {"name": "spend", "transform": "none"},
        {"name": "city", "transform": "onehot"},
        {"name": "visits", "transform": "none"},
    ]
    pk = study["id"]

    sample = client.post(
        f"{BASE}studies/{pk}/sample/",
        {"row_filter": {"city": ["seoul", "busan"]}, "validation_share": 0.25, "seed": 5},
        format="json",
    )
    assert sample.status_code == 200
    kept = sample.json()
    assert kept["all"]["rows"] == kept["train"]["rows"] + kept["valid"]["rows"]
    assert kept["valid"]["rows"] == round(kept["all"]["rows"] * 0.25)

    explore = client.get(f"{BASE}studies/{pk}/explore/").json()
    assert explore["sample"] == kept
    assert [c["name"] for c in explore["columns"]] == ["spend", "city", "visits"]
    city = explore["columns"][1]
    assert {lv["level"] for lv in city["levels"]} == {"seoul", "busan"}
    assert sum(lv["rows"] for lv in city["levels"]) == kept["train"]["rows"]

    features = [
        {"name": "spend", "transform": "log"},
        {"name": "city", "transform": "onehot"},
        {"name": "visits", "transform": "bin", "bins": 3},
    ]
    modified = client.post(f"{BASE}studies/{pk}/modify/", {"features": features}, format="json")
    assert modified.status_code == 200 and modified.json() == features

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"{BASE}studies/{pk}/models/", {"algorithm": "gbm"}, format="json")
    assert started.status_code == 202
    job = Job.objects.get(pk=started.json()["job_id"])
    assert job.status == JobStatus.SUCCEEDED and job.created_by == analyst
    run = ModelRun.objects.get(kind=ModelKind.RESPONSE)
    assert job.result["model_run"] == run.pk

    assess = client.get(f"{BASE}models/{run.pk}/").json()
    assert assess["version"] == 1 and assess["algorithm"] == "gradient boosting"
    assert assess["params"]["features"] == features
    assert assess["params"]["row_filter"] == {"city": ["seoul", "busan"]}
    assert assess["params"]["seed"] == 5 and assess["params"]["validation_share"] == 0.25
    assert assess["metrics"]["valid_rows"] == kept["valid"]["rows"]
    assert 0.6 < assess["metrics"]["auc"] <= 1.0  # the file has a real signal
    assert set(assess["charts"]) == {"gain", "lift"}
    assert assess["charts"]["gain"]["series"]["Model"][-1] == 1.0
    assert run.artifact.startswith("models/response-v1-")
    listed = client.get(f"{BASE}studies/{pk}/models/").json()
    assert [m["id"] for m in listed] == [run.pk]


def test_invalid_steps_answer_400(immediate, analyst):
    client = token_client(analyst)
    assert _create(client, response_column="spend").status_code == 400  # not 0/1
    bad = _create(client, response_column="nope")
    assert bad.status_code == 400 and bad["Content-Type"] == PROBLEM
    pk = _create(client).json()["id"]
    r = client.post(
        f"{BASE}studies/{pk}/modify/",
        {"features": [{"name": "city", "transform": "log"}]},
        format="json",
    )
    assert r.status_code == 400 and "not numeric" in r.json()["detail"]
    r = client.post(
        f"{BASE}studies/{pk}/modify/", {"features": [{"name": "responded"}]}, format="json"
    )
    assert r.status_code == 400
    r = client.post(
        f"{BASE}studies/{pk}/sample/", {"row_filter": {"city": ["jeju"]}}, format="json"
    )
    assert r.status_code == 400
    both = _create(client, campaign_id=3)
    assert both.status_code == 400
    assert client.get(f"{BASE}studies/999999/").status_code == 404


def test_csv_models_cannot_score_crm_customers(immediate, admin_user):
    client = token_client(admin_user)
    pk = _create(client).json()["id"]
    run = response_model_train(study=ResponseStudy.objects.get(pk=pk), algorithm="logistic")
    r = client.post(f"{BASE}models/{run.pk}/score/", {}, format="json")
    assert r.status_code == 400
    assert "features the warehouse does not have: spend, city, visits" in r.json()["detail"]


def test_an_unavailable_campaign_source_is_a_clear_409(immediate, marketing, settings):
    settings.DANGOL_RESPONSE_CAMPAIGN_SOURCE = (
        "dangol.analytics.response.sources.campaign_contacts_unavailable"
    )
    body = {"name": "Autumn", "campaign_id": 7}
    r = token_client(marketing).post(f"{BASE}studies/", body, format="json")
    assert r.status_code == 409
    assert "Campaign contacts are not available yet" in r.json()["detail"]


def test_a_campaign_without_contacts_is_refused_with_the_reason(immediate, marketing):
    body = {"name": "Autumn", "campaign_id": 7}
    r = token_client(marketing).post(f"{BASE}studies/", body, format="json")
    assert r.status_code == 409, r.content
    assert r.json()["detail"] == "Campaign 7 has no sent contacts to learn from"


@pytest.mark.parametrize(
    ("role", "model", "score"),
    [
        (Role.ADMIN, 201, 404),
        (Role.MANAGER, 201, 404),
        (Role.MARKETING, 201, 404),
        (Role.ANALYST, 201, 403),
        (Role.SALES, 403, 403),
        (Role.SERVICE, 403, 403),
    ],
)
def test_roles(immediate, users_by_role, role, model, score):
    client = token_client(users_by_role[role])
    assert _create(client).status_code == model
    assert client.get(f"{BASE}studies/").status_code == (200 if model == 201 else 403)
    # A model that does not exist: the roles that may score get as far as the 404.
    assert client.post(f"{BASE}models/424242/score/", {}, format="json").status_code == score
