"""Background tasks of analytics (run by ``dangol worker``; inline in tests)."""

from __future__ import annotations

from django_tasks import task

from dangol.analytics.pipeline import warehouse_pipeline_run
from dangol.core.jobs import job_running


@task()
def warehouse_refresh_task(job_id: int, full: bool = False) -> dict:
    """Run the refresh pipeline for job ``job_id``, reporting progress; return its summary."""
    with job_running(job_id=job_id) as progress:
        progress.result = warehouse_pipeline_run(full=full, progress=progress)
    return progress.result
