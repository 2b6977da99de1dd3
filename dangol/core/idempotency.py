"""Run a side effect at most once per key, so a retried task does not repeat it.

A background task may run again after it did its work (the worker died before recording
success, an operator re-enqueued it, a sweep found it "stuck"). For effects that cannot be
taken back, such as sending an e-mail, the task wraps the effect in ``effect_once``: the
first run that completes records a succeeded ``Job`` of that kind and key; later runs see
it and skip. Runs of the same key are serialised on a row lock of the record the effect
is about, so two workers cannot both send.

The record is written in the same transaction as the lock: if the effect raises, nothing
is recorded and a retry tries again (at least once, at most once per success).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models, transaction
from django.utils import timezone

from dangol.core.models import Job, JobStatus


def effect_done(*, kind: str, key: int) -> bool:
    """Return whether the effect ``kind`` for ``key`` has already been done."""
    return Job.objects.filter(kind=kind, params__key=key, status=JobStatus.SUCCEEDED).exists()


@contextmanager
def effect_once(*, kind: str, key: int, lock: models.QuerySet) -> Iterator[bool]:
    """Yield whether to do the effect now; record it as done if the block completes.

    :param kind: what the effect is ("service.reply_email").
    :param key: the id of the record it is for.
    :param lock: a queryset of that record, locked for the duration (serialises runs).
    """
    with transaction.atomic():
        list(lock.select_for_update().values_list("pk", flat=True))
        if effect_done(kind=kind, key=key):
            yield False
            return
        yield True
        now = timezone.now()
        Job.objects.create(
            kind=kind,
            params={"key": key},
            status=JobStatus.SUCCEEDED,
            started_at=now,
            finished_at=now,
        )
