import pytest
from django.urls import reverse

from dangol.core.errors import NotFoundError
from dangol.core.jobs import job_create, job_get, job_running
from dangol.core.models import JobStatus

pytestmark = pytest.mark.django_db


def test_job_running_records_progress_and_result(sales):
    job = job_create(kind="import.customers", created_by=sales, params={"file": "a.csv"})
    assert job_get(job_id=job.pk, user=sales).status == JobStatus.QUEUED

    with job_running(job_id=job.pk) as progress:
        progress(done=5, total=20, message="staging", force=True)
        seen = job_get(job_id=job.pk, user=sales)
        assert (seen.status, seen.done, seen.total, seen.percent, seen.message) == (
            JobStatus.RUNNING,
            5,
            20,
            25,
            "staging",
        )
        progress.result = {"created": 20}

    done = job_get(job_id=job.pk, user=sales)
    assert (done.status, done.done, done.percent, done.result) == (
        JobStatus.SUCCEEDED,
        20,
        100,
        {"created": 20},
    )
    assert done.finished_at is not None


def test_job_running_marks_failure_and_reraises(sales):
    job = job_create(kind="warehouse.refresh", created_by=sales)
    with pytest.raises(RuntimeError, match="disk full"), job_running(job_id=job.pk):
        raise RuntimeError("disk full")
    seen = job_get(job_id=job.pk, user=sales)
    assert (seen.status, seen.error) == (JobStatus.FAILED, "disk full")


def test_only_the_starter_or_an_admin_sees_a_job(sales, other_sales, admin_user):
    job = job_create(kind="import.orders", created_by=sales)
    assert job_get(job_id=job.pk, user=admin_user).id == job.pk
    with pytest.raises(NotFoundError):
        job_get(job_id=job.pk, user=other_sales)


def test_job_page_and_htmx_fragment_and_api(client, sales, other_sales):
    job = job_create(kind="import.orders", created_by=sales)
    with job_running(job_id=job.pk) as progress:
        progress(done=1, total=4, force=True)
        client.force_login(sales)
        page = client.get(reverse("job_detail", args=[job.pk]))
        assert page.status_code == 200
        assert b'hx-trigger="every 1s"' in page.content
        fragment = client.get(reverse("job_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
        assert b"<html" not in fragment.content and b"1 / 4" in fragment.content
        api = client.get(reverse("api:job_detail", args=[job.pk]))
        assert api.status_code == 200
        assert (api.json()["status"], api.json()["percent"]) == ("running", 25)
    finished = client.get(reverse("job_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert b"hx-trigger" not in finished.content

    client.force_login(other_sales)
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("api:job_detail", args=[job.pk])).status_code == 404
