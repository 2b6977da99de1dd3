"""Record a model card (``ModelRun``): the one implementation is in ``modelcards``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangol.analytics.modelcards.services import model_run_create as _model_run_create
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
    """Create the next version of a ``kind`` model card (validated, charts ordered)."""
    return _model_run_create(
        kind=kind,
        algorithm=algorithm,
        data_from=data_from,
        data_to=data_to,
        params=params or {},
        metrics=metrics or {},
        charts=charts,
        rows_trained=rows_trained,
        customers_scored=customers_scored,
        artifact=artifact,
        created_by=created_by,
        note=note,
    )
