"""Background tasks of imports (run by ``dangol worker``; inline in tests)."""

from __future__ import annotations

from django_tasks import task

from dangol.integration.services import import_job_run


@task()
def import_run(job_id: int) -> dict[str, int]:
    """Run one import job started from the UI."""
    return import_job_run(job_id=job_id)
