"""Reads of the model cards: lists by kind and one card."""

from __future__ import annotations

from dataclasses import dataclass

from dangol.analytics.models import ModelKind, ModelRun
from dangol.core.errors import NotFoundError


@dataclass(frozen=True)
class KindRuns:
    """The runs of one model kind, newest version first."""

    kind: str
    label: str
    runs: list[ModelRun]


def model_run_list(*, per_kind: int = 20) -> list[KindRuns]:
    """Return every kind with its latest ``per_kind`` runs (latest version first)."""
    out = []
    for kind, label in ModelKind.choices:
        runs = list(
            ModelRun.objects.filter(kind=kind)
            .select_related("created_by")
            .order_by("-version")[:per_kind]
        )
        out.append(KindRuns(kind=kind, label=str(label), runs=runs))
    return out


def model_run_get(*, run_id: int) -> ModelRun:
    """Return one run, or raise ``NotFoundError``."""
    run = ModelRun.objects.select_related("created_by").filter(pk=run_id).first()
    if run is None:
        raise NotFoundError("No such model run.", field="run_id")
    return run


def model_run_latest(*, kind: str) -> ModelRun | None:
    """Return the newest run of ``kind``, or None before the first training."""
    return ModelRun.objects.filter(kind=kind).order_by("-version").first()
