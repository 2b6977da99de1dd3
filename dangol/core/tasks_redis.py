"""A small Redis-backed django-tasks backend and the worker loop that runs its tasks.

Each queue is a Redis list of task ids (``RPUSH`` to enqueue, ``BLPOP`` to take); tasks with
``run_after`` wait in a sorted set scored by their due time and are moved onto the list by the
worker when due. A task's record (what to call, its arguments, status, errors) is one JSON
string with a time-to-live, so ``get_result`` works from any process. Delivery is at most
once: a worker that dies mid-task loses that task, which is why webhook deliveries keep their
own state in the database and a sweep re-enqueues the ones that are due (docs/webhooks.md).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import redis
from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.functional import cached_property
from django.utils.module_loading import import_string
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskContext, TaskError, TaskResult, TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks.signals import task_enqueued, task_finished, task_started
from django_tasks.utils import (
    get_exception_traceback,
    get_module_path,
    get_random_id,
    normalize_json,
)

logger = logging.getLogger(__name__)

# Move the due members of a sorted set onto a list in one step, so two workers never both
# promote (and so run) the same task.
_PROMOTE_DUE = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('RPUSH', KEYS[2], id)
end
return #ids
"""


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


class RedisBackend(BaseTaskBackend):
    """Queue tasks in Redis; run them with ``dangol worker`` (``redis_worker_run``).

    OPTIONS: ``url`` (default ``redis://127.0.0.1:6379/0``), ``prefix`` (key prefix,
    default ``dangol:tasks``), ``result_ttl`` (seconds a finished record is kept, 7 days).
    """

    supports_defer = True
    supports_get_result = True
    supports_priority = False

    def __init__(self, alias: str, params: dict) -> None:
        super().__init__(alias, params)
        self.url = self.options.get("url", "redis://127.0.0.1:6379/0")
        self.prefix = self.options.get("prefix", "dangol:tasks")
        self.result_ttl = int(self.options.get("result_ttl", 7 * 24 * 3600))

    @cached_property
    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, decode_responses=True)

    def queue_key(self, queue_name: str) -> str:
        return f"{self.prefix}:queue:{queue_name}"

    def scheduled_key(self, queue_name: str) -> str:
        return f"{self.prefix}:scheduled:{queue_name}"

    def record_key(self, result_id: str) -> str:
        return f"{self.prefix}:result:{result_id}"

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        record = {
            "module_path": task.module_path,
            "queue_name": task.queue_name,
            "priority": task.priority,
            "run_after": _iso(task.run_after),
            "args": normalize_json(args),
            "kwargs": normalize_json(kwargs),
            "status": TaskResultStatus.READY,
            "enqueued_at": _iso(result.enqueued_at),
            "started_at": None,
            "finished_at": None,
            "errors": [],
            "worker_ids": [],
        }
        pipe = self.client.pipeline()
        pipe.set(self.record_key(result.id), json.dumps(record))
        if task.run_after is not None:
            pipe.zadd(self.scheduled_key(task.queue_name), {result.id: task.run_after.timestamp()})
        else:
            pipe.rpush(self.queue_key(task.queue_name), result.id)
        pipe.execute()
        task_enqueued.send(type(self), task_result=result)
        return result

    def _load(self, result_id: str) -> dict[str, Any]:
        raw = self.client.get(self.record_key(result_id))
        if raw is None:
            raise TaskResultDoesNotExist(result_id)
        return json.loads(raw)

    def _result(self, result_id: str, record: dict[str, Any]) -> TaskResult:
        task: Task = import_string(record["module_path"])
        task = task.using(
            priority=record["priority"],
            queue_name=record["queue_name"],
            run_after=_when(record["run_after"]),
            backend=self.alias,
        )
        result = TaskResult(
            task=task,
            id=result_id,
            status=TaskResultStatus(record["status"]),
            enqueued_at=_when(record["enqueued_at"]),
            started_at=_when(record["started_at"]),
            last_attempted_at=_when(record["started_at"]),
            finished_at=_when(record["finished_at"]),
            args=record["args"],
            kwargs=record["kwargs"],
            backend=self.alias,
            errors=[TaskError(**error) for error in record["errors"]],
            worker_ids=record["worker_ids"],
        )
        object.__setattr__(result, "_return_value", record.get("return_value"))
        return result

    def get_result(self, result_id: str) -> TaskResult:
        return self._result(result_id, self._load(result_id))

    def promote_due(self, queue_name: str, *, now: dt.datetime | None = None) -> int:
        """Move the deferred tasks that are due onto their queue; return how many moved."""
        due = (now or timezone.now()).timestamp()
        return int(
            self.client.eval(
                _PROMOTE_DUE, 2, self.scheduled_key(queue_name), self.queue_key(queue_name), due
            )
        )

    def run_next(self, *, queue_names: list[str], worker_id: str, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for one task and run it; return whether one ran."""
        for queue_name in queue_names:
            self.promote_due(queue_name)
        keys = [self.queue_key(name) for name in queue_names]
        if timeout > 0:
            popped = self.client.blpop(keys, timeout=timeout)
        else:
            popped = next(
                ((key, value) for key in keys if (value := self.client.lpop(key)) is not None),
                None,
            )
        if popped is None:
            return False
        self._run(popped[1], worker_id=worker_id)
        return True

    def _save(self, result_id: str, record: dict[str, Any], *, ttl: int | None = None) -> None:
        self.client.set(self.record_key(result_id), json.dumps(record), ex=ttl)

    def _run(self, result_id: str, *, worker_id: str) -> None:
        try:
            record = self._load(result_id)
        except TaskResultDoesNotExist:
            logger.warning("Task %s has no record (expired?); skipped", result_id)
            return
        record.update(
            status=TaskResultStatus.RUNNING,
            started_at=_iso(timezone.now()),
            worker_ids=[*record["worker_ids"], worker_id],
        )
        self._save(result_id, record)
        result = self._result(result_id, record)
        task_started.send(type(self), task_result=result)
        close_old_connections()
        try:
            call_args = list(result.args)
            if result.task.takes_context:
                call_args.insert(0, TaskContext(task_result=result))
            value = result.task.call(*call_args, **result.kwargs)
            record.update(status=TaskResultStatus.SUCCESSFUL, return_value=normalize_json(value))
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # a task's failure is recorded, never fatal to the worker
            logger.exception("Task %s (%s) failed", result_id, record["module_path"])
            record["status"] = TaskResultStatus.FAILED
            record["errors"].append(
                {
                    "exception_class_path": get_module_path(type(exc)),
                    "traceback": get_exception_traceback(exc),
                }
            )
        finally:
            close_old_connections()
        record["finished_at"] = _iso(timezone.now())
        self._save(result_id, record, ttl=self.result_ttl)
        task_finished.send(type(self), task_result=self._result(result_id, record))


def redis_worker_run(
    *,
    backend: RedisBackend,
    queue_names: list[str] | None = None,
    batch: bool = False,
    interval: float = 1.0,
    max_tasks: int | None = None,
) -> int:
    """Run tasks from ``backend`` until stopped; with ``batch``, until the queues are empty.

    Deferred tasks are promoted at least every ``interval`` seconds. Return the number run.
    """
    queues = queue_names or sorted(backend.queues)
    worker_id = get_random_string(32)
    ran = 0
    timeout = 0 if batch else interval
    while max_tasks is None or ran < max_tasks:
        if backend.run_next(queue_names=queues, worker_id=worker_id, timeout=timeout):
            ran += 1
        elif batch:
            break
    return ran
