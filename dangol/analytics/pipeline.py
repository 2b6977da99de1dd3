"""The warehouse refresh as background work: schedule, request, and the pipeline it runs.

One pipeline, however it is started (the nightly sweep, a manager's button):

1. ``warehouse_refresh`` (incremental unless asked for full), its phases reported;
2. ``customer_scores_refresh``: RFM and value tiers written back to the customers;
3. each scorer named in ``settings.DANGOL_SCORERS_AFTER_REFRESH``, in order
   (``fn(*, as_of, progress) -> int``: CLV, churn, recommendations...).

Both starters create a ``core.Job`` and enqueue ``analytics.tasks.warehouse_refresh_task``
after commit; the task runs the pipeline inside ``job_running`` so the job shows live
progress and ends succeeded or failed. See docs/analytics.md, "Refresh schedule".
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from dangol.accounts.roles import Role, user_role
from dangol.analytics.errors import AnalyticsErrorCode, ValidationError
from dangol.core.errors import PermissionDeniedError
from dangol.core.jobs import JobProgress, job_create
from dangol.core.models import Job, JobStatus

logger = logging.getLogger(__name__)

JOB_KIND = "warehouse.refresh"
REFRESH_ROLES = frozenset({Role.ADMIN, Role.MANAGER})
# A queued or running refresh younger than this is returned instead of starting another
# (a double click); an older one is presumed lost with its worker.
PENDING_FOR = dt.timedelta(hours=3)
# Any 64-bit number unique to this lock among the project's advisory locks.
_SCHEDULE_LOCK_KEY = 0x44474E5752454652  # "DGNWREFR"


def warehouse_refresh_may_request(user: Any) -> bool:
    """Return whether ``user`` may start a warehouse refresh (managers and admins)."""
    return user_role(user) in REFRESH_ROLES


def warehouse_refresh_at() -> dt.time | None:
    """Return the configured nightly refresh time, or None when scheduling is off.

    ``DANGOL_WAREHOUSE_REFRESH_AT`` is "HH:MM" in the project time zone; empty disables it.
    """
    value = (getattr(settings, "DANGOL_WAREHOUSE_REFRESH_AT", "") or "").strip()
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"DANGOL_WAREHOUSE_REFRESH_AT must be HH:MM or empty, not {value!r}",
            code=AnalyticsErrorCode.INVALID_PARAMETER,
            field="DANGOL_WAREHOUSE_REFRESH_AT",
        ) from None


def _enqueue(job: Job, *, full: bool) -> None:
    from dangol.analytics.tasks import warehouse_refresh_task
    from dangol.core.tasks import task_enqueue_on_commit

    task_enqueue_on_commit(warehouse_refresh_task, job_id=job.pk, full=full)


def _lock_schedule() -> None:
    # SQLite: DATABASES opens transactions IMMEDIATE, so the atomic block already holds the
    # write lock. PostgreSQL: serialise the check-then-create of concurrent workers.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SCHEDULE_LOCK_KEY])


def warehouse_refresh_sweep(*, now: dt.datetime | None = None) -> Job | None:
    """Enqueue the nightly refresh when it is due and not yet started today; return its job.

    Due means the local time has passed ``DANGOL_WAREHOUSE_REFRESH_AT`` today. "Started
    today" is a scheduled job for today's date, whatever became of it (a failed night is
    not retried in a loop; a manager can press the button). The check and the job's
    creation run under a lock, so two workers sweeping at once create one job.
    """
    at = warehouse_refresh_at()
    if at is None:
        return None
    local = timezone.localtime(now or timezone.now())
    if local.time() < at:
        return None
    day = local.date().isoformat()
    with transaction.atomic():
        _lock_schedule()
        if Job.objects.filter(kind=JOB_KIND, params__trigger="schedule", params__day=day).exists():
            return None
        job = job_create(kind=JOB_KIND, params={"trigger": "schedule", "day": day, "full": False})
        _enqueue(job, full=False)
    return job


@transaction.atomic
def warehouse_refresh_request(*, user: Any, full: bool = False) -> Job:
    """Start a refresh for ``user`` (manager or admin) and return its job.

    A refresh already queued or running (started in the last ``PENDING_FOR``) is returned
    instead of a second one.

    :raises PermissionDeniedError: the user may not refresh the warehouse.
    """
    if not warehouse_refresh_may_request(user):
        raise PermissionDeniedError("Only managers and administrators may refresh the warehouse.")
    pending = (
        Job.objects.filter(
            kind=JOB_KIND,
            status__in=(JobStatus.QUEUED, JobStatus.RUNNING),
            created_at__gte=timezone.now() - PENDING_FOR,
        )
        .order_by("-id")
        .first()
    )
    if pending is not None:
        return pending
    job = job_create(kind=JOB_KIND, created_by=user, params={"trigger": "button", "full": full})
    _enqueue(job, full=full)
    return job


def _scorers() -> list[tuple[str, Callable[..., int]]]:
    return [(path, import_string(path)) for path in settings.DANGOL_SCORERS_AFTER_REFRESH]


def warehouse_pipeline_run(
    *,
    full: bool = False,
    as_of: dt.date | None = None,
    progress: JobProgress | None = None,
) -> dict[str, Any]:
    """Refresh the warehouse, write RFM and tiers back, run the scorers; return a summary.

    :param full: rebuild the warehouse from scratch instead of incrementally.
    :param as_of: the scoring day (default: today, local).
    :param progress: a job's progress callable; each refresh phase and each scoring step
        advances it by one, the message naming the step.
    :raises: whatever a step raises; later steps do not run.
    """
    from dangol.analytics.services import customer_scores_refresh
    from dangol.analytics.warehouse.services import warehouse_refresh

    as_of = as_of or timezone.localdate()
    scorers = _scorers()
    after = 1 + len(scorers)

    def report(done: int, total: int, message: str) -> None:
        if progress is not None:
            progress(done=done, total=total, message=message, force=True)

    refresh_total = 0

    def on_phase(phase: str, done: int, total: int) -> None:
        nonlocal refresh_total
        refresh_total = total
        report(done, total + after, _("Warehouse: %(phase)s") % {"phase": phase})

    result = warehouse_refresh(full=full, progress=on_phase)
    total = refresh_total + after
    step = refresh_total
    report(step, total, _("Scores: RFM and value tiers"))
    summary: dict[str, Any] = {
        "mode": result.mode,
        "sales_rows": result.rows.get("fact_sales", 0),
        "customers_rows": result.rows.get("dim_customer", 0),
        "as_of": as_of.isoformat(),
    }
    summary["scored_rfm_tiers"] = customer_scores_refresh(as_of=as_of)
    step += 1
    for path, scorer in scorers:
        name = path.rsplit(".", 1)[-1]
        report(step, total, _("Scores: %(name)s") % {"name": name})
        summary[f"scored_{name}"] = scorer(as_of=as_of, progress=progress)
        step += 1
    report(total, total, _("Done"))
    return summary
