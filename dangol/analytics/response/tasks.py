"""Background tasks of the response models (run by ``dangol worker``; inline in tests)."""

from __future__ import annotations

from django_tasks import task

from dangol.analytics.models import ModelRun, ResponseStudy
from dangol.analytics.response.services import response_model_train, response_scores_write
from dangol.core.jobs import job_running
from dangol.core.models import Job


@task()
def response_model_train_task(job_id: int, study_id: int, algorithm: str) -> int:
    """Train a response model inside job ``job_id``; return the model run id."""
    job = Job.objects.get(pk=job_id)
    with job_running(job_id=job_id) as progress:
        run = response_model_train(
            study=ResponseStudy.objects.get(pk=study_id),
            algorithm=algorithm,
            created_by=job.created_by,
            progress=progress,
        )
        progress.result = {
            "model_run": run.pk,
            "auc": round(run.metrics["auc"], 4),
            "top_decile_lift": round(run.metrics["top_decile_lift"], 4),
        }
    return run.pk


@task()
def response_scores_write_task(
    job_id: int, model_run_id: int, customer_ids: list[int] | None = None
) -> int:
    """Score customers with a response model inside job ``job_id``; return how many."""
    with job_running(job_id=job_id) as progress:
        written = response_scores_write(
            model_run=ModelRun.objects.get(pk=model_run_id),
            customer_ids=customer_ids,
            progress=progress,
        )
        progress.result = {"model_run": model_run_id, "customers": written}
    return written
