"""Background tasks of the recommendations (run by ``dangol worker``; inline in tests)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from dangol.analytics.recommend.services import recommendations_evaluate, recommendations_refresh
from dangol.core.jobs import job_running
from dangol.core.models import Job


@task()
def recommendations_refresh_task(job_id: int, as_of: str | None = None) -> int:
    """Refresh the recommendations inside job ``job_id``; return the model run id."""
    job = Job.objects.get(pk=job_id)
    with job_running(job_id=job_id) as progress:
        run = recommendations_refresh(
            as_of=dt.date.fromisoformat(as_of) if as_of else None,
            created_by=job.created_by,
            progress=progress,
        )
        progress.result = {"model_run": run.pk, "customers": run.customers_scored}
    return run.pk


@task()
def recommendations_evaluate_task(job_id: int) -> int:
    """Evaluate the recommendation methods inside job ``job_id``; return the model run id."""
    job = Job.objects.get(pk=job_id)
    with job_running(job_id=job_id) as progress:
        run = recommendations_evaluate(created_by=job.created_by, progress=progress)
        progress.result = {"model_run": run.pk}
    return run.pk
