"""Background tasks of analytics (run by ``dangol worker``; inline in tests)."""

from __future__ import annotations

import logging

from django_tasks import task

from dangol.analytics.pipeline import warehouse_pipeline_run
from dangol.analytics.warehouse.errors import WarehouseBusy
from dangol.analytics.warehouse.services import warehouse_erasures_apply
from dangol.core.jobs import job_running

logger = logging.getLogger(__name__)


@task()
def warehouse_refresh_task(job_id: int, full: bool = False) -> dict:
    """Run the refresh pipeline for job ``job_id``, reporting progress; return its summary."""
    with job_running(job_id=job_id) as progress:
        progress.result = warehouse_pipeline_run(full=full, progress=progress)
    return progress.result


@task()
def warehouse_erasures_task() -> list[int]:
    """Blank erased customers in the warehouse now; return the ids done.

    A busy warehouse (a refresh running) is not an error: that refresh blanks every
    erased customer before it publishes, and ``warehouse_erasures_due`` (a worker sweep)
    runs this again while any is left.
    """
    try:
        return warehouse_erasures_apply()
    except WarehouseBusy:
        logger.info("Warehouse busy: erasures are applied by the refresh or the next sweep")
        return []
