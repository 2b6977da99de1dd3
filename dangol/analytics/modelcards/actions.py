"""The trainings and scorings a person can start from the model pages, by kind.

Each action is ``fn(*, created_by, progress) -> dict`` (a small JSON-able summary kept as
the job's result). Another model kind adds its own entries to ``MODEL_ACTIONS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


def _clv_refresh(*, created_by: Any, progress: Any) -> dict:
    from dangol.analytics.clv.services import clv_refresh

    result = clv_refresh(created_by=created_by, progress=progress)
    return {"model_run": result.run.pk, "version": result.run.version,
            "customers_scored": result.customers_scored}  # fmt: skip


def _churn_train(*, created_by: Any, progress: Any) -> dict:
    from dangol.analytics.churn.services import churn_train

    run = churn_train(created_by=created_by, progress=progress)
    return {"model_run": run.pk, "version": run.version, "customers_scored": run.customers_scored,
            "auc": run.metrics.get("auc")}  # fmt: skip


def _churn_score(*, created_by: Any, progress: Any) -> dict:
    from dangol.analytics.churn.services import churn_score

    return {"customers_scored": churn_score(progress=progress)}


@dataclass(frozen=True)
class ModelAction:
    kind: str
    name: str
    label: str | Promise
    fn: Callable[..., dict]


MODEL_ACTIONS: dict[tuple[str, str], ModelAction] = {
    ("clv", "train"): ModelAction(
        "clv", "train", _("Fit, validate and score lifetime value"), _clv_refresh
    ),
    ("churn", "train"): ModelAction(
        "churn", "train", _("Train and score churn risk"), _churn_train
    ),
    ("churn", "score"): ModelAction(
        "churn", "score", _("Score churn risk with the latest model"), _churn_score
    ),
}


def model_actions_for(kind: str) -> list[ModelAction]:
    """Return the actions of one model kind, in declaration order."""
    return [action for (k, _name), action in MODEL_ACTIONS.items() if k == kind]
