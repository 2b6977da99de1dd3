"""The guided SEMMA pages: upload, each step's form, training as a job, roles."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangol.accounts.roles import Role
from dangol.analytics.models import ModelKind, ModelRun, ResponseStudy
from dangol.analytics.tests.response.synthetic import synthetic_csv
from dangol.core.models import Job, JobStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _upload(client):
    return client.post(
        reverse("analytics:response"),
        {
            "name": "Spring mailing",
            "response_column": "responded",
            "file": SimpleUploadedFile("spring.csv", synthetic_csv().encode(), "text/csv"),
        },
    )


def test_guided_flow(setup, client, marketing, django_capture_on_commit_callbacks):
    client.force_login(marketing)
    assert client.get(reverse("analytics:response")).status_code == 200
    response = _upload(client)
    study = ResponseStudy.objects.get()
    url = reverse("analytics:response_study", args=[study.pk])
    assert response.status_code == 302 and response["Location"] == url

    page = client.get(url).content.decode()
    for step in ("1. Sample", "2. Explore", "3. Modify", "4. Model", "5. Assess"):
        assert step in page
    assert 'data-column="city"' in page and "No model trained yet." in page

    r = client.post(
        url, {"step": "sample", "row_filter": "city=seoul", "validation_share": "0.3", "seed": "9"}
    )
    assert r.status_code == 302
    study.refresh_from_db()
    assert study.row_filter == {"city": ["seoul"]} and study.seed == 9

    r = client.post(
        url,
        {
            "step": "modify",
            "feature": ["spend", "city", "visits"],
            "transform:spend": "log",
            "transform:city": "",
            "transform:visits": "bin",
            "bins:visits": "3",
        },
    )
    assert r.status_code == 302
    study.refresh_from_db()
    assert study.features == [
        {"name": "spend", "transform": "log"},
        {"name": "visits", "transform": "bin", "bins": 3},
    ]

    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url, {"step": "model", "algorithm": "logistic"})
    job = Job.objects.get(kind="response.train")
    assert r["Location"] == reverse("job_detail", args=[job.pk])
    assert job.status == JobStatus.SUCCEEDED
    run = ModelRun.objects.get(kind=ModelKind.RESPONSE)
    page = client.get(url).content.decode()
    assert f'data-run="{run.pk}"' in page and f"{run.metrics['auc']:.4f}" in page
    # A CSV-feature model cannot score CRM customers: no button.
    assert "Score all customers" not in page


def test_a_bad_step_shows_the_error(setup, client, analyst):
    client.force_login(analyst)
    _upload(client)
    url = reverse("analytics:response_study", args=[ResponseStudy.objects.get().pk])
    r = client.post(url, {"step": "modify", "feature": ["city"], "transform:city": "log"})
    assert r.status_code == 200
    assert "not numeric" in r.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ANALYST, 200), (Role.MARKETING, 200), (Role.SALES, 403), (Role.SERVICE, 403)],
)
def test_page_roles(setup, client, users_by_role, role, status):
    client.force_login(users_by_role[role])
    assert client.get(reverse("analytics:response")).status_code == status
    assert client.get(reverse("analytics:recommend")).status_code == status


def test_scoring_page_needs_a_scoring_role(setup, client, analyst):
    client.force_login(analyst)
    assert client.post(reverse("analytics:response_model_score", args=[1])).status_code == 403
