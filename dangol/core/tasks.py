"""Helpers around django-tasks: enqueue after commit, ask what the backend can do, sweeps.

Background work never runs on the request path: services schedule it with
``task_enqueue_on_commit`` so a rolled-back transaction enqueues nothing. The backend is
chosen by ``DANGOL_TASK_BACKEND`` (settings.TASKS); ``dangol worker`` runs it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskResult

logger = logging.getLogger(__name__)


def task_backend(alias: str = DEFAULT_TASK_BACKEND_ALIAS) -> BaseTaskBackend:
    """Return the configured task backend ``alias``."""
    return task_backends[alias]


def task_enqueue(
    task: Task, *args: Any, run_after: dt.datetime | None = None, **kwargs: Any
) -> TaskResult:
    """Enqueue ``task`` now; defer it to ``run_after`` when the backend can defer."""
    if run_after is not None and task_backend(task.backend).supports_defer:
        task = task.using(run_after=run_after)
    return task.enqueue(*args, **kwargs)


def task_enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Enqueue ``task`` once the current transaction commits (never if it rolls back)."""
    transaction.on_commit(lambda: task_enqueue(task, *args, **kwargs))


def worker_sweeps_run() -> None:
    """Run each function named in ``DANGOL_WORKER_SWEEPS`` (re-enqueue work that is due).

    A sweep that fails is logged and the others still run: the worker must keep going.
    """
    for path in getattr(settings, "DANGOL_WORKER_SWEEPS", []):
        sweep: Callable[[], Any] = import_string(path)
        try:
            sweep()
        except Exception:
            logger.exception("Worker sweep %s failed", path)
