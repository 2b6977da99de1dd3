"""Writes of the model cards: record one trained version of a model."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from dangol.analytics.errors import AnalyticsErrorCode, ValidationError
from dangol.analytics.modelcards.charts import charts_ordered, charts_validate
from dangol.analytics.models import ModelKind, ModelRun

# Two trainings of one kind finishing together both read the same highest version; the
# unique (kind, version) constraint stops the second, which then takes the next number.
_VERSION_ATTEMPTS = 5


def model_run_next_version(*, kind: str) -> int:
    """Return the version the next run of ``kind`` will get (highest so far + 1)."""
    highest = ModelRun.objects.filter(kind=kind).aggregate(v=Max("version"))["v"]
    return (highest or 0) + 1


def model_run_create(
    *,
    kind: str,
    algorithm: str,
    params: dict[str, Any],
    metrics: dict[str, Any],
    charts: dict[str, Any] | None = None,
    data_from: dt.date | None = None,
    data_to: dt.date | None = None,
    rows_trained: int = 0,
    customers_scored: int = 0,
    artifact: str = "",
    created_by: Any = None,
    note: str = "",
) -> ModelRun:
    """Record a trained model as the next version of ``kind`` and return it.

    :param params: fitted parameters and the settings of the run (JSON-able).
    :param metrics: what validation measured (JSON-able).
    :param charts: charts for the model page in the format of ``modelcards.charts``.
    :raises ValidationError: for an unknown kind or charts not in that format.
    """
    if kind not in ModelKind.values:
        raise ValidationError(
            f"Unknown model kind {kind!r}", code=AnalyticsErrorCode.INVALID, field="kind"
        )
    charts = charts or {}
    charts_validate(charts)
    charts = charts_ordered(charts)
    for attempt in range(_VERSION_ATTEMPTS):
        try:
            with transaction.atomic():
                return ModelRun.objects.create(
                    kind=kind,
                    version=model_run_next_version(kind=kind),
                    algorithm=algorithm[:80],
                    data_from=data_from,
                    data_to=data_to,
                    params=params,
                    metrics=metrics,
                    charts=charts,
                    rows_trained=rows_trained,
                    customers_scored=customers_scored,
                    artifact=artifact,
                    created_by=created_by,
                    note=note,
                )
        except IntegrityError:
            if attempt == _VERSION_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def model_run_scored_set(*, run: ModelRun, customers_scored: int) -> ModelRun:
    """Record how many customers a later scoring with ``run`` wrote."""
    run.customers_scored = customers_scored
    run.save(update_fields=["customers_scored", "updated_at"])
    return run


@transaction.atomic
def model_job_start(*, kind: str, action: str, user: Any) -> Any:
    """Queue a training or scoring job of ``kind``; return the ``core.Job``.

    The task is enqueued after commit; ``/jobs/<id>/`` shows its progress.

    :raises PermissionDeniedError: unless the user is an admin, a manager or an analyst.
    :raises ValidationError: for an action the kind does not have.
    """
    from dangol.analytics.modelcards.actions import MODEL_ACTIONS
    from dangol.analytics.modelcards.permissions import model_may_run
    from dangol.analytics.modelcards.tasks import model_action_run
    from dangol.core.errors import PermissionDeniedError
    from dangol.core.jobs import job_create
    from dangol.core.tasks import task_enqueue_on_commit

    if not model_may_run(user):
        raise PermissionDeniedError("Only managers and analysts may train models.")
    if (kind, action) not in MODEL_ACTIONS:
        raise ValidationError(
            f"No action {action!r} for models of kind {kind!r}",
            code=AnalyticsErrorCode.INVALID,
            field="action",
        )
    job = job_create(
        kind=f"model.{kind}.{action}", created_by=user, params={"kind": kind, "action": action}
    )
    task_enqueue_on_commit(model_action_run, job_id=job.pk)
    return job
