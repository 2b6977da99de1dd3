"""Record a model card (``ModelRun``) with the next version number of its kind."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from dangol.analytics.models import ModelRun


def model_run_create(
    *,
    kind: str,
    algorithm: str,
    data_from: dt.date | None = None,
    data_to: dt.date | None = None,
    params: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    charts: dict[str, Any] | None = None,
    rows_trained: int = 0,
    customers_scored: int = 0,
    artifact: str = "",
    created_by: Any = None,
    note: str = "",
) -> ModelRun:
    """Create the next version of a ``kind`` model card and return it.

    Two runs finishing at once may pick the same version; the unique constraint refuses
    the second, which then takes the next number (a few tries, then the error stands).
    """
    for attempt in range(5):
        try:
            with transaction.atomic():
                top = ModelRun.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0
                return ModelRun.objects.create(
                    kind=kind,
                    version=top + 1,
                    algorithm=algorithm[:80],
                    data_from=data_from,
                    data_to=data_to,
                    params=params or {},
                    metrics=metrics or {},
                    charts=charts or {},
                    rows_trained=rows_trained,
                    customers_scored=customers_scored,
                    artifact=artifact,
                    created_by=created_by,
                    note=note,
                )
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")
