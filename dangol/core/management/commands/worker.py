"""``dangol worker``: run background tasks with the configured backend until stopped."""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tasks_db import DatabaseBackend

from dangol.core.tasks import task_backend, worker_sweeps_run
from dangol.core.tasks_redis import RedisBackend, redis_worker_run


class Command(BaseCommand):
    help = (
        "Run background tasks (webhook deliveries, ...) from the backend chosen by "
        "DANGOL_TASK_BACKEND: database (default) or redis. --batch stops when none are left."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Exit when no task is ready.")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds to wait when idle (1)."
        )
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=60.0,
            help="Seconds between sweeps that re-enqueue due work (60).",
        )
        parser.add_argument("--max-tasks", type=int, default=None, help="Stop after N tasks.")

    def handle(self, *args, batch: bool, interval: float, sweep_interval: float, **options):
        backend = task_backend()
        if not isinstance(backend, DatabaseBackend | RedisBackend):
            raise CommandError(
                f"The task backend {type(backend).__name__} runs tasks inline; set "
                "DANGOL_TASK_BACKEND=database or redis to use a worker"
            )
        max_tasks = options["max_tasks"]
        ran = 0
        next_sweep = 0.0
        # Each round runs the ready tasks in a batch, then sweeps when due, then idles: the
        # sweep re-enqueues deliveries whose own deferred task was lost (worker killed).
        while max_tasks is None or ran < max_tasks:
            if time.monotonic() >= next_sweep:
                worker_sweeps_run()
                next_sweep = time.monotonic() + sweep_interval
            left = None if max_tasks is None else max_tasks - ran
            ran_now = self._run_batch(backend, left, interval)
            ran += ran_now
            if batch and ran_now == 0:
                break
            if ran_now == 0 and isinstance(backend, DatabaseBackend):
                time.sleep(interval)
        self.stdout.write(f"Ran {ran} task(s).")

    def _run_batch(self, backend, max_tasks: int | None, interval: float) -> int:
        if isinstance(backend, RedisBackend):
            return redis_worker_run(backend=backend, batch=True, max_tasks=max_tasks)
        before = _finished_count()
        call_command(
            "db_worker",
            batch=True,
            startup_delay=False,
            reload=False,
            max_tasks=max_tasks,
            interval=interval,
            queue_name="*",
            verbosity=0,
        )
        return _finished_count() - before


def _finished_count() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.exclude(finished_at=None).count()
