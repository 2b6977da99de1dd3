"""Reads of sales work: a user's open tasks."""

from __future__ import annotations

import datetime as dt

from dangol.core.errors import NotFoundError
from dangol.sales.models import Task


def task_list_open(
    *,
    user,
    limit: int = 200,
    due_from: dt.datetime | None = None,
    due_before: dt.datetime | None = None,
) -> list[Task]:
    """Return ``user``'s open tasks, soonest due first (optionally due in [from, before))."""
    tasks = Task.objects.filter(owner=user, done_at__isnull=True)
    if due_from is not None:
        tasks = tasks.filter(due_at__gte=due_from)
    if due_before is not None:
        tasks = tasks.filter(due_at__lt=due_before)
    return list(tasks.select_related("customer", "opportunity").order_by("due_at", "id")[:limit])


def task_count_open(
    *, user, due_from: dt.datetime | None = None, due_before: dt.datetime | None = None
) -> int:
    """Return how many open tasks ``user`` has (optionally due in [from, before))."""
    tasks = Task.objects.filter(owner=user, done_at__isnull=True)
    if due_from is not None:
        tasks = tasks.filter(due_at__gte=due_from)
    if due_before is not None:
        tasks = tasks.filter(due_at__lt=due_before)
    return tasks.count()


def task_get(*, user, pk: int) -> Task:
    """Return one of ``user``'s own tasks; anyone else's does not exist."""
    task = Task.objects.filter(pk=pk, owner=user).first()
    if task is None:
        raise NotFoundError("No such task", field="task")
    return task


def quote_list_for_opportunity(*, opportunity) -> list:
    from dangol.sales.models import Quote

    return list(
        Quote.objects.filter(opportunity=opportunity)
        .prefetch_related("lines__product")
        .order_by("-id")
    )


def task_list_due_by(*, before: dt.datetime) -> list[Task]:
    """Return every open task due before ``before`` (the reminder sweep), soonest first."""
    return list(
        Task.objects.filter(done_at__isnull=True, due_at__lt=before)
        .select_related("owner")
        .order_by("due_at", "id")
    )
