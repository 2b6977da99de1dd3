"""Refresh scheduling and the refresh pipeline: the nightly sweep, the button, the task."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import zoneinfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from dangol.analytics.pipeline import (
    JOB_KIND,
    warehouse_refresh_request,
    warehouse_refresh_sweep,
)
from dangol.analytics.warehouse.connection import warehouse_current_path
from dangol.core.errors import PermissionDeniedError
from dangol.core.jobs import job_get
from dangol.core.models import Job, JobStatus
from dangol.core.tasks import worker_sweeps_run

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
SCORER_CALLS: list[dict] = []


def recording_scorer(*, as_of, progress) -> int:
    """A scorer as the predictive models add them: records its call, scores 7 customers."""
    SCORER_CALLS.append({"as_of": as_of, "progress": progress})
    return 7


def failing_scorer(*, as_of, progress) -> int:
    raise RuntimeError("churn model exploded")


@pytest.fixture(autouse=True)
def _clear_calls():
    SCORER_CALLS.clear()


@pytest.fixture
def database_tasks(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DATA_DIR = tmp_path
    settings.TIME_ZONE = "Asia/Seoul"
    settings.DANGOL_WAREHOUSE_REFRESH_AT = "02:30"


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=SEOUL)


@pytest.mark.django_db
def test_sweep_enqueues_one_refresh_when_due_and_not_twice(
    database_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert warehouse_refresh_sweep(now=_at(5, 2, 29)) is None  # not yet due
    assert Job.objects.count() == 0
    assert DBTaskResult.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        job = warehouse_refresh_sweep(now=_at(5, 2, 30))
    assert job is not None
    assert (job.kind, job.params, job.created_by) == (
        JOB_KIND,
        {"trigger": "schedule", "day": "2026-03-05", "full": False},
        None,
    )
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "dangol.analytics.tasks.warehouse_refresh_task"
    assert queued.args_kwargs == {"args": [], "kwargs": {"job_id": job.pk, "full": False}}

    with django_capture_on_commit_callbacks(execute=True):
        assert warehouse_refresh_sweep(now=_at(5, 23, 59)) is None  # done today already
        # Even a failed night is not retried in a loop.
        Job.objects.update(status=JobStatus.FAILED)
        assert warehouse_refresh_sweep(now=_at(5, 4)) is None
    assert DBTaskResult.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert warehouse_refresh_sweep(now=_at(6, 2, 31)) is not None  # the next night
    assert DBTaskResult.objects.count() == 2


@pytest.mark.django_db
def test_sweep_is_off_when_the_setting_is_empty(database_tasks, settings):
    settings.DANGOL_WAREHOUSE_REFRESH_AT = ""

    assert warehouse_refresh_sweep(now=_at(5, 12)) is None
    assert Job.objects.count() == 0


@pytest.mark.django_db
def test_the_worker_runs_the_sweep(database_tasks, settings, django_capture_on_commit_callbacks):
    assert "dangol.analytics.pipeline.warehouse_refresh_sweep" in settings.DANGOL_WORKER_SWEEPS
    settings.DANGOL_WAREHOUSE_REFRESH_AT = "00:00"  # due whenever the test runs

    with django_capture_on_commit_callbacks(execute=True):
        worker_sweeps_run()
        worker_sweeps_run()

    assert Job.objects.filter(kind=JOB_KIND).count() == 1
    # Other sweeps may queue their own tasks (the reminders' on a worker's first sweep).
    refreshes = DBTaskResult.objects.filter(
        task_path="dangol.analytics.tasks.warehouse_refresh_task"
    )
    assert refreshes.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_create_one_job(database_tasks):
    barrier = threading.Barrier(4)
    results: list = []
    errors: list = []

    def sweep():
        try:
            barrier.wait()
            results.append(warehouse_refresh_sweep(now=_at(7, 3)))
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len([job for job in results if job is not None]) == 1
    assert Job.objects.filter(kind=JOB_KIND).count() == 1
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["sales", "analyst", "marketing", "service"])
def test_refresh_button_is_refused_below_manager(role, users_by_role, client, database_tasks):
    user = users_by_role[role]
    client.force_login(user)

    response = client.post(reverse("analytics:warehouse_refresh"))

    assert response.status_code == 403
    with pytest.raises(PermissionDeniedError):
        warehouse_refresh_request(user=user)
    assert Job.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["manager", "admin"])
def test_refresh_button_queues_one_job_for_managers(
    role, users_by_role, client, database_tasks, django_capture_on_commit_callbacks
):
    user = users_by_role[role]
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analytics:warehouse_refresh"), {"full": "1"})
        # A second click while the first is queued returns the same job.
        again = client.post(reverse("analytics:warehouse_refresh"))

    assert response.status_code == 302
    assert again.status_code == 302
    [job] = Job.objects.all()
    assert (job.kind, job.created_by, job.params) == (
        JOB_KIND,
        user,
        {"trigger": "button", "full": True},
    )
    [queued] = DBTaskResult.objects.all()
    assert queued.args_kwargs["kwargs"] == {"job_id": job.pk, "full": True}
    page = client.get(reverse("analytics:warehouse"))
    assert page.status_code == 200
    assert 'id="warehouse-refresh-form"' in page.content.decode()
    assert f'id="job-{job.pk}"' in page.content.decode()


@pytest.mark.django_db
def test_status_page_shows_no_button_to_an_analyst(client, analyst, database_tasks):
    client.force_login(analyst)

    page = client.get(reverse("analytics:warehouse"))

    assert page.status_code == 200
    assert 'id="warehouse-refresh-form"' not in page.content.decode()


@pytest.fixture
def small_demo(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command(
        "demo",
        customers=120,
        products=24,
        years=1,
        seed=5,
        no_serve=True,
        end_date=dt.date(2026, 6, 30),
        stdout=io.StringIO(),
    )


def _progress_file(job_id: int, data_dir) -> dict:
    return json.loads((data_dir / "jobs" / f"{job_id}.json").read_text())


@pytest.mark.django_db
def test_button_runs_the_whole_pipeline_with_the_immediate_backend(
    small_demo, settings, tmp_path, client, manager, django_capture_on_commit_callbacks
):
    settings.DANGOL_SCORERS_AFTER_REFRESH = [
        "dangol.analytics.tests.test_pipeline.recording_scorer"
    ]
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("analytics:warehouse_refresh"))

    [job] = Job.objects.all()
    assert job.status == JobStatus.SUCCEEDED, job.error
    from dangol.customers.models import CustomerScore
    from dangol.sales.models import OrderLine

    scored = CustomerScore.objects.exclude(rfm_segment="").count()
    assert scored > 0
    assert job.result == {
        "mode": "full",
        "sales_rows": OrderLine.objects.count(),
        "customers_rows": 120,
        "as_of": job.result["as_of"],
        "scored_rfm_tiers": scored,
        "scored_recording_scorer": 7,
    }
    assert warehouse_current_path() is not None
    [call] = SCORER_CALLS
    assert call["as_of"].isoformat() == job.result["as_of"]
    assert call["progress"].job_id == job.pk
    # Full refresh: prepare + 6 sources + transform + rollups + publish, then 2 scorers.
    live = _progress_file(job.pk, tmp_path)
    assert live == {"done": 12, "total": 12, "message": "Done"}
    view = job_get(job_id=job.pk, user=manager)
    assert (view.percent, view.finished) == (100, True)


@pytest.mark.django_db
def test_a_failing_step_marks_the_job_failed(small_demo, settings, tmp_path, manager):
    settings.DANGOL_SCORERS_AFTER_REFRESH = [
        "dangol.analytics.tests.test_pipeline.recording_scorer",
        "dangol.analytics.tests.test_pipeline.failing_scorer",
        "dangol.analytics.tests.test_pipeline.recording_scorer",
    ]
    from dangol.analytics.tasks import warehouse_refresh_task
    from dangol.core.jobs import job_create

    job = job_create(kind=JOB_KIND, created_by=manager)

    result = warehouse_refresh_task.enqueue(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "churn model exploded"
    assert result.status == "FAILED"
    assert len(SCORER_CALLS) == 1  # the scorer after the failing one did not run
    live = _progress_file(job.pk, tmp_path)
    assert live["message"] == "Scores: failing_scorer"
    assert (live["done"], live["total"]) == (12, 14)
