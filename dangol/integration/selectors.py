"""Reads of imports started from the UI: a job of the user, its reject file, recent ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from dangol.core.errors import NotFoundError
from dangol.core.jobs import job_list_recent
from dangol.core.models import Job
from dangol.integration.importers import rejects_path_for
from dangol.integration.services import JOB_PREFIX, upload_dir


def import_jobs_recent(*, user: Any, limit: int = 10) -> list[Job]:
    """Return the newest imports ``user`` started (all imports for an administrator)."""
    return job_list_recent(user=user, kind_prefix=JOB_PREFIX, limit=limit)


def import_job_get(*, job_id: int, user: Any) -> Job:
    """Return the import job ``job_id`` if ``user`` started it."""
    job = Job.objects.filter(
        pk=job_id, created_by_id=getattr(user, "pk", None), kind__startswith=JOB_PREFIX
    ).first()
    if job is None:
        raise NotFoundError(_("No such import."), field="job_id")
    return job


def import_rejects_path(*, job_id: int, user: Any) -> Path:
    """Return the reject file of ``user``'s import ``job_id``; NotFoundError if none."""
    job = import_job_get(job_id=job_id, user=user)
    path = rejects_path_for(upload_dir() / Path(job.params.get("file", "")).name)
    if not job.params.get("file") or not path.is_file():
        raise NotFoundError(_("This import has no rejected rows."), field="job_id")
    return path
