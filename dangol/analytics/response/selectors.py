"""Reads of the campaign response models: studies, the Explore step, model runs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dangol.analytics.errors import AnalyticsErrorCode, AnalyticsInputError
from dangol.analytics.models import ModelKind, ModelRun, ResponseStudy
from dangol.analytics.response import semma
from dangol.analytics.response.services import ID_COLUMNS, study_frame
from dangol.core.errors import NotFoundError


def response_study_list() -> QuerySet[ResponseStudy]:
    """Return the studies, newest first."""
    return ResponseStudy.objects.select_related("created_by").order_by("-id")


def response_study_get(*, study_id: int) -> ResponseStudy:
    """Return one study or raise ``NotFoundError``."""
    study = ResponseStudy.objects.filter(pk=study_id).first()
    if study is None:
        raise NotFoundError("No such study.", field="study_id")
    return study


def response_study_explore(*, study: ResponseStudy) -> dict[str, Any]:
    """Explore: the sample's parts and a summary of every candidate column (training rows)."""
    frame = study_frame(study=study)
    try:
        y = semma.response_vector(frame, study.response_column)
        split = semma.sample_split(y, validation_share=study.validation_share, seed=study.seed)
    except semma.SemmaError as exc:
        raise AnalyticsInputError(
            str(exc), code=AnalyticsErrorCode.INVALID_PARAMETER, field=exc.field
        ) from exc
    columns = [c for c in frame.columns if c not in (study.response_column, *ID_COLUMNS)]
    return {
        "sample": semma.sample_summary(y, split),
        "columns": semma.explore(frame, y, columns=columns, rows=split.train),
    }


def response_model_list(*, study: ResponseStudy | None = None) -> list[ModelRun]:
    """Return the response model runs (of one study if given), newest first."""
    runs = ModelRun.objects.filter(kind=ModelKind.RESPONSE).order_by("-version")
    if study is not None:
        runs = runs.filter(params__study=study.pk)
    return list(runs)


def response_model_get(*, model_run_id: int) -> ModelRun:
    """Return one response model run or raise ``NotFoundError``."""
    run = ModelRun.objects.filter(pk=model_run_id, kind=ModelKind.RESPONSE).first()
    if run is None:
        raise NotFoundError("No such response model.", field="model_run_id")
    return run
