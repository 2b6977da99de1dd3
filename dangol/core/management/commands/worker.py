"""``dangol worker``: run background tasks with the configured backend until stopped."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.crypto import get_random_string
from django_tasks_db import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker

from dangol.core.tasks import task_backend, worker_sweeps_run
from dangol.core.tasks_redis import RedisBackend

_STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM]
if hasattr(signal, "SIGQUIT"):
    _STOP_SIGNALS.append(signal.SIGQUIT)


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
        saved = {signum: signal.getsignal(signum) for signum in _STOP_SIGNALS}
        # A worker is one long-lived process: keep its database connections open between
        # tasks. With CONN_MAX_AGE=0 (the SQLite setting) the worker's per-task
        # close_old_connections() reconnected for every task, and closing a WAL database
        # checkpoints it: about 12 ms a task, half the cost of a webhook delivery.
        ages = {conn.alias: conn.settings_dict["CONN_MAX_AGE"] for conn in connections.all()}
        for conn in connections.all():
            if conn.settings_dict["CONN_MAX_AGE"] == 0:
                conn.settings_dict["CONN_MAX_AGE"] = None
        try:
            self._work(batch=batch, interval=interval, sweep_interval=sweep_interval, **options)
        finally:
            for signum, handler in saved.items():
                signal.signal(signum, handler)
            for conn in connections.all():
                conn.settings_dict["CONN_MAX_AGE"] = ages[conn.alias]

    def _work(self, *, batch: bool, interval: float, sweep_interval: float, **options):
        backend = task_backend()
        max_tasks = options["max_tasks"]
        if isinstance(backend, DatabaseBackend):
            loop = _DatabaseLoop(backend, interval=interval, max_tasks=max_tasks)
        elif isinstance(backend, RedisBackend):
            loop = _RedisLoop(backend, interval=interval, max_tasks=max_tasks)
        else:
            raise CommandError(
                f"The task backend {type(backend).__name__} runs tasks inline; set "
                "DANGOL_TASK_BACKEND=database or redis to use a worker"
            )
        next_sweep = 0.0
        # Each round runs the ready tasks, sweeps when due, then idles: the sweep re-enqueues
        # deliveries whose own deferred task was lost (a worker killed mid-task).
        while loop.running and not loop.done():
            if time.monotonic() >= next_sweep:
                worker_sweeps_run()
                next_sweep = time.monotonic() + sweep_interval
            ran_now = loop.run_ready()
            if batch and ran_now == 0:
                break
            if ran_now == 0 and loop.running:
                loop.idle()
        self.stdout.write(f"Ran {loop.ran} task(s).")


class _DatabaseLoop:
    """django-tasks-db's worker in batch passes; its signal handlers stop it gracefully."""

    def __init__(self, backend: DatabaseBackend, *, interval: float, max_tasks: int | None):
        self.interval = interval
        self.max_tasks = max_tasks
        self.worker = DatabaseWorker(
            queue_names=["*"],
            interval=interval,
            batch=True,
            backend_name=backend.alias,
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        self.worker.configure_signals()

    @property
    def running(self) -> bool:
        return self.worker.running

    @property
    def ran(self) -> int:
        return self.worker._run_tasks

    def done(self) -> bool:
        return self.max_tasks is not None and self.ran >= self.max_tasks

    def run_ready(self) -> int:
        before = self.ran
        self.worker.run()
        return self.ran - before

    def idle(self) -> None:
        time.sleep(self.interval)  # a signal here exits at once (the worker's handler)


class _RedisLoop:
    """The Redis backend's worker; SIGINT/SIGTERM finish the current task, then stop."""

    def __init__(self, backend: RedisBackend, *, interval: float, max_tasks: int | None):
        self.backend = backend
        self.interval = interval
        self.max_tasks = max_tasks
        self.queue_names = sorted(backend.queues)
        self.worker_id = get_random_string(32)
        self.running = True
        self.ran = 0
        for signum in _STOP_SIGNALS:
            signal.signal(signum, self._stop)

    def _stop(self, signum, frame) -> None:
        self.running = False

    def done(self) -> bool:
        return self.max_tasks is not None and self.ran >= self.max_tasks

    def _one(self, timeout: float) -> bool:
        ran = self.backend.run_next(
            queue_names=self.queue_names, worker_id=self.worker_id, timeout=timeout
        )
        self.ran += ran
        return ran

    def run_ready(self) -> int:
        before = self.ran
        while self.running and not self.done() and self._one(0):
            pass
        return self.ran - before

    def idle(self) -> None:
        # BLPOP wakes as soon as a task arrives, at most ``interval`` seconds later.
        if not self.done():
            self._one(self.interval)
