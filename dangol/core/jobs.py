"""Background jobs a person starts and watches: create, run with progress, read.

A ``Job`` row records who started what and how it ended. Live progress goes to a small
JSON file under ``DANGOL_DATA_DIR/jobs/`` instead of the row: the work itself often holds
one long write transaction (an all-or-nothing import), and on SQLite no other connection
may write while it does, so a progress UPDATE would wait for the very work it reports.
The file is replaced atomically (write, then rename), so a reader never sees half of it.

Use::

    job = job_create(kind="import.customers", created_by=user, params={...})
    task_enqueue_on_commit(my_task, job_id=job.pk)

    # in the task
    with job_running(job_id=job_id) as progress:
        progress(done=10, total=100, message="staging")
        ...
        progress.result = {"created": 10}
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from dangol.core.errors import NotFoundError
from dangol.core.models import Job, JobStatus

# Progress is written at most this often: a tight loop calling progress() must not turn
# into thousands of file renames a second.
PROGRESS_MIN_INTERVAL = 0.25


def _progress_path(job_id: int) -> Path:
    return Path(settings.DATA_DIR) / "jobs" / f"{job_id}.json"


def _progress_write(job_id: int, data: dict[str, Any]) -> None:
    path = _progress_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{job_id}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(tmp, path)


def _progress_read(job_id: int) -> dict[str, Any]:
    try:
        return json.loads(_progress_path(job_id).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def job_create(*, kind: str, created_by: Any = None, params: dict[str, Any] | None = None) -> Job:
    """Record a queued job of ``kind`` started by ``created_by``; return it."""
    return Job.objects.create(kind=kind, created_by=created_by, params=params or {})


@dataclass
class JobProgress:
    """Callable handed to the work: ``progress(done=, total=, message=)``.

    Set ``result`` to the JSON-able summary the job should keep when it succeeds.
    """

    job_id: int
    done: int = 0
    total: int | None = None
    message: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    _written_at: float = 0.0

    def __call__(
        self,
        *,
        done: int | None = None,
        advance: int = 0,
        total: int | None = None,
        message: str | None = None,
        force: bool = False,
    ) -> None:
        """Record how far the work is: an absolute ``done`` or an ``advance`` on it."""
        if done is not None:
            self.done = done
        self.done += advance
        if total is not None:
            self.total = total
        if message is not None:
            self.message = message
        now = time.monotonic()
        if force or now - self._written_at >= PROGRESS_MIN_INTERVAL:
            self._written_at = now
            _progress_write(
                self.job_id, {"done": self.done, "total": self.total, "message": self.message}
            )


@contextmanager
def job_running(*, job_id: int) -> Iterator[JobProgress]:
    """Mark the job running, yield its progress callable, then record how it ended.

    An exception marks the job failed with its message and is re-raised, so the task
    backend records the failure too.
    """
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), error=""
    )
    progress = JobProgress(job_id=job_id)
    progress(done=0, force=True)
    try:
        yield progress
    except Exception as exc:
        progress(force=True)
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, error=str(exc)[:10_000], finished_at=timezone.now()
        )
        raise
    if progress.total is not None and progress.done < progress.total:
        progress.done = progress.total
    progress(force=True)
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.SUCCEEDED, result=progress.result, finished_at=timezone.now()
    )


@dataclass(frozen=True)
class JobView:
    """What a person watching a job sees."""

    id: int
    kind: str
    status: str
    done: int
    total: int | None
    message: str
    result: dict[str, Any]
    error: str
    created_at: Any
    started_at: Any
    finished_at: Any

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def status_label(self) -> str:
        return str(JobStatus(self.status).label)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == JobStatus.SUCCEEDED else None
        # A job may overshoot its estimate (a merge counted twice): never show over 100%.
        return min(100, int(100 * self.done / self.total))


def _sees_all_jobs(user: Any) -> bool:
    # Imported here: core must not depend on accounts at import time (accounts uses core).
    from dangol.accounts.roles import Role, user_role

    return user.is_superuser or user_role(user) == Role.ADMIN


def job_get(*, job_id: int, user: Any) -> JobView:
    """Return the job with its live progress; only its starter or an admin may see it."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or not (_sees_all_jobs(user) or job.created_by_id == user.pk):
        raise NotFoundError("No such job.", field="job_id")
    live = _progress_read(job.pk)
    return JobView(
        id=job.pk,
        kind=job.kind,
        status=job.status,
        done=int(live.get("done", 0)),
        total=live.get("total"),
        message=str(live.get("message", "")),
        result=job.result,
        error=job.error,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def job_list_recent(*, user: Any, kind_prefix: str = "", limit: int = 10) -> list[Job]:
    """Return the newest jobs ``user`` started (all for an admin), optionally of one kind."""
    jobs = Job.objects.all() if _sees_all_jobs(user) else Job.objects.filter(created_by=user)
    if kind_prefix:
        jobs = jobs.filter(kind__startswith=kind_prefix)
    return list(jobs.order_by("-id")[:limit])
