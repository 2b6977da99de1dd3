"""Background tasks of web analytics (run by ``dangol worker``; inline in tests)."""

from __future__ import annotations

import logging

import duckdb
from django_tasks import task

from dangol.webanalytics.privacy import webanalytics_erasures_apply

logger = logging.getLogger(__name__)


@task()
def webanalytics_erasures_task() -> int:
    """Unlink erased customers from the web-analytics store; return the rows changed.

    A store held by the ingester for too long is not an error: every ingest (a worker
    sweep) unlinks erased customers before it closes visits.
    """
    try:
        return webanalytics_erasures_apply()
    except (duckdb.IOException, duckdb.ConnectionException):
        logger.info("Web-analytics store busy: the next ingest unlinks erased customers")
        return 0
