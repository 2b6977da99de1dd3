"""Background tasks: inline, database worker and Redis worker backends, and the helpers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task

from dangol.core.tasks import task_enqueue, task_enqueue_on_commit
from dangol.core.tasks_redis import RedisBackend, redis_worker_run

CALLS: list[str] = []


@task()
def remember(value: str) -> str:
    CALLS.append(value)
    return value.upper()


@task()
def explode(value: str) -> None:
    raise ValueError(f"bad {value}")


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()


@pytest.fixture
def inline(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DANGOL_WORKER_SWEEPS = []


@pytest.fixture
def redis_tasks(settings, redis_task_backend):
    """The Redis backend without the worker's periodic sweeps."""
    settings.DANGOL_WORKER_SWEEPS = []
    return redis_task_backend


def test_inline_backend_runs_at_enqueue(inline):
    result = remember.enqueue("a")
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "A"
    assert CALLS == ["a"]


def test_run_after_is_dropped_when_the_backend_cannot_defer(inline):
    result = task_enqueue(remember, "b", run_after=timezone.now() + dt.timedelta(hours=1))
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert CALLS == ["b"]


@pytest.mark.django_db
def test_enqueue_on_commit_waits_for_the_commit_and_skips_a_rollback(
    inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            task_enqueue_on_commit(remember, "kept")
            assert CALLS == []
        with pytest.raises(RuntimeError), transaction.atomic():
            task_enqueue_on_commit(remember, "dropped")
            raise RuntimeError
    assert CALLS == ["kept"]


def test_the_worker_refuses_the_inline_backend(inline):
    with pytest.raises(CommandError, match="runs tasks inline"):
        call_command("worker", "--batch")


@pytest.mark.django_db(transaction=True)
def test_database_worker_runs_queued_tasks_in_one_pass(database_tasks):
    first = remember.enqueue("x")
    failing = explode.enqueue("y")
    later = task_enqueue(remember, "later", run_after=timezone.now() + dt.timedelta(hours=1))
    assert CALLS == []
    assert first.status == TaskResultStatus.READY

    call_command("worker", "--batch")

    assert CALLS == ["x"]
    first.refresh()
    failing.refresh()
    later.refresh()
    assert (first.status, first.return_value) == (TaskResultStatus.SUCCESSFUL, "X")
    assert failing.status == TaskResultStatus.FAILED
    assert failing.errors[0].exception_class is ValueError
    assert later.status == TaskResultStatus.READY  # deferred: not due yet


def test_redis_worker_runs_queued_tasks(redis_tasks):
    backend = redis_tasks
    assert isinstance(backend, RedisBackend)
    first = remember.enqueue("r1")
    failing = explode.enqueue("r2")
    assert backend.get_result(first.id).status == TaskResultStatus.READY
    assert CALLS == []

    assert redis_worker_run(backend=backend, batch=True) == 2

    assert CALLS == ["r1"]
    first.refresh()
    failing.refresh()
    assert (first.status, first.return_value) == (TaskResultStatus.SUCCESSFUL, "R1")
    assert len(first.worker_ids) == 1
    assert failing.status == TaskResultStatus.FAILED
    assert failing.errors[0].exception_class is ValueError
    assert "bad r2" in failing.errors[0].traceback
    assert redis_worker_run(backend=backend, batch=True) == 0


def test_redis_deferred_task_waits_until_due(redis_tasks):
    backend = redis_tasks
    due = timezone.now() + dt.timedelta(hours=1)
    result = task_enqueue(remember, "deferred", run_after=due)
    assert redis_worker_run(backend=backend, batch=True) == 0
    assert CALLS == []
    assert backend.promote_due("default", now=due - dt.timedelta(seconds=1)) == 0
    assert backend.promote_due("default", now=due + dt.timedelta(seconds=1)) == 1
    assert redis_worker_run(backend=backend, batch=True) == 1
    assert CALLS == ["deferred"]
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.task.run_after == due


def test_redis_blocking_wait_returns_a_task_pushed_meanwhile(redis_tasks):
    backend = redis_tasks
    remember.enqueue("blocking")
    assert backend.run_next(queue_names=["default"], worker_id="w1", timeout=0.5)
    assert not backend.run_next(queue_names=["default"], worker_id="w1", timeout=0.2)
    assert CALLS == ["blocking"]


def test_worker_command_uses_the_redis_backend(redis_tasks):
    remember.enqueue("via command")
    call_command("worker", "--batch")
    assert CALLS == ["via command"]


def test_worker_command_stops_after_max_tasks_and_restores_signals(redis_tasks):
    import signal

    before = signal.getsignal(signal.SIGTERM)
    remember.enqueue("one")
    remember.enqueue("two")
    call_command("worker", "--max-tasks", "1", "--interval", "0.1")
    assert CALLS == ["one"]
    assert signal.getsignal(signal.SIGTERM) == before
