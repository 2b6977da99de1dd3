"""Writes of the campaign response models: studies, the SEMMA choices, training, scoring.

A ``ResponseStudy`` keeps the data source and the choices of each step; training records
a ``ModelRun`` (kind "response") with the data window, features, metrics, gain and lift
charts and a joblib artifact under ``DANGOL_DATA_DIR/models/``; scoring writes
``response_probability`` to the customers through ``customer_scores_bulk_write``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path
from typing import IO, Any

import joblib
import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangol.analytics.errors import AnalyticsErrorCode, AnalyticsInputError
from dangol.analytics.models import ModelKind, ModelRun, ResponseSourceKind, ResponseStudy
from dangol.analytics.recommend.runs import model_run_create
from dangol.analytics.response import semma
from dangol.analytics.response.sources import (
    WAREHOUSE_FEATURES,
    campaign_frame,
    csv_frame,
    customer_features_frame,
)
from dangol.customers.score_services import customer_scores_bulk_write

ID_COLUMNS = ("customer_id",)


def _input_error(exc: semma.SemmaError) -> AnalyticsInputError:
    return AnalyticsInputError(str(exc), code=AnalyticsErrorCode.INVALID_PARAMETER, field=exc.field)


def _studies_dir() -> Path:
    path = Path(settings.DATA_DIR) / "response" / "studies"
    path.mkdir(parents=True, exist_ok=True)
    return path


def models_dir() -> Path:
    """Return ``DANGOL_DATA_DIR/models``, created if missing."""
    path = Path(settings.DATA_DIR) / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def study_frame(*, study: ResponseStudy) -> pd.DataFrame:
    """Return the study's rows after Sample's row filter (the source read afresh)."""
    if study.source == ResponseSourceKind.CAMPAIGN:
        frame = campaign_frame(campaign_id=int(study.source_ref))
    else:
        frame = csv_frame(path=study.source_ref)
        if study.join_warehouse_features:
            frame = _join_features(frame, as_of=study.data_from)
    try:
        return semma.rows_filter(frame, study.row_filter)
    except semma.SemmaError as exc:
        raise _input_error(exc) from exc


def _join_features(frame: pd.DataFrame, *, as_of: dt.date | None) -> pd.DataFrame:
    if "customer_id" not in frame.columns:
        raise AnalyticsInputError(
            _("Joining warehouse features needs a customer_id column."),
            code=AnalyticsErrorCode.MISSING_COLUMN,
            field="customer_id",
        )
    as_of = (as_of - dt.timedelta(days=1)) if as_of else timezone.localdate()
    features = customer_features_frame(as_of=as_of, customer_ids=frame["customer_id"].tolist())
    return frame.merge(features, on="customer_id", how="inner")


def _response(frame: pd.DataFrame, column: str) -> np.ndarray:
    try:
        return semma.response_vector(frame, column)
    except semma.SemmaError as exc:
        raise _input_error(exc) from exc


def _default_features(frame: pd.DataFrame, response_column: str) -> list[dict[str, Any]]:
    return semma.default_features(frame, exclude=[response_column, *ID_COLUMNS])


@transaction.atomic
def response_study_create_from_csv(
    *,
    name: str,
    file: IO[bytes] | str | Path,
    response_column: str,
    created_by: Any = None,
    join_warehouse_features: bool = False,
    data_from: dt.date | None = None,
    data_to: dt.date | None = None,
) -> ResponseStudy:
    """Store a CSV of past contacts (header row, a 0/1 response column) as a new study.

    :param file: an uploaded file object or the path of a file to register (copied).
    :param join_warehouse_features: the CSV holds ``customer_id`` and the response only;
        features come from the warehouse as of the day before ``data_from``.
    :param data_from: first day of the campaign's data window (kept on the model card).
    """
    target = _studies_dir() / f"{uuid.uuid4().hex}.csv"
    if isinstance(file, str | Path):
        shutil.copyfile(file, target)
    else:
        with target.open("wb") as out:
            shutil.copyfileobj(file, out)
    try:
        frame = pd.read_csv(target)
    except (ValueError, UnicodeDecodeError) as exc:
        target.unlink(missing_ok=True)
        raise AnalyticsInputError(
            _("Cannot read the file as CSV: %(error)s") % {"error": exc},
            code=AnalyticsErrorCode.UNREADABLE_INPUT,
            field="file",
        ) from exc
    study = ResponseStudy(
        name=name,
        source=ResponseSourceKind.CSV,
        source_ref=str(target),
        response_column=response_column,
        join_warehouse_features=join_warehouse_features,
        data_from=data_from,
        data_to=data_to,
        created_by=created_by,
    )
    if join_warehouse_features:
        frame = _join_features(frame, as_of=data_from)
    try:
        _response(frame, response_column)
    except AnalyticsInputError:
        target.unlink(missing_ok=True)
        raise
    study.rows = len(frame)
    study.features = _default_features(frame, response_column)
    study.save()
    return study


@transaction.atomic
def response_study_create_from_campaign(
    *, name: str, campaign_id: int, created_by: Any = None
) -> ResponseStudy:
    """Start a study on a past campaign's contacts (through the campaign source hook)."""
    frame = campaign_frame(campaign_id=campaign_id)
    _response(frame, "response")
    return ResponseStudy.objects.create(
        name=name,
        source=ResponseSourceKind.CAMPAIGN,
        source_ref=str(campaign_id),
        response_column="response",
        rows=len(frame),
        features=_default_features(frame, "response"),
        created_by=created_by,
    )


@transaction.atomic
def response_study_sample(
    *,
    study: ResponseStudy,
    row_filter: dict[str, list[Any]] | None = None,
    validation_share: float = 0.3,
    seed: int = 42,
) -> dict[str, Any]:
    """Sample: keep the rows ``row_filter`` allows, split them stratified with ``seed``.

    Return the rows and response rate of all, training and validation rows.
    """
    study.row_filter = row_filter or {}
    study.validation_share = validation_share
    study.seed = seed
    frame = study_frame(study=study)
    y = _response(frame, study.response_column)
    try:
        split = semma.sample_split(y, validation_share=validation_share, seed=seed)
    except semma.SemmaError as exc:
        raise _input_error(exc) from exc
    study.rows = len(frame)
    study.save(update_fields=["row_filter", "validation_share", "seed", "rows", "updated_at"])
    return semma.sample_summary(y, split)


@transaction.atomic
def response_study_modify(*, study: ResponseStudy, features: list[dict[str, Any]]) -> list[dict]:
    """Modify: choose the features and their transforms (none, log, bin, onehot)."""
    frame = study_frame(study=study)
    if any(f.get("name") in (study.response_column, *ID_COLUMNS) for f in features):
        raise AnalyticsInputError(
            _("The response and the customer id cannot be features."),
            code=AnalyticsErrorCode.INVALID_PARAMETER,
            field="features",
        )
    try:
        checked = semma.features_check(frame, features)
    except semma.SemmaError as exc:
        raise _input_error(exc) from exc
    study.features = checked
    study.save(update_fields=["features", "updated_at"])
    return checked


def _chart_titles(charts: dict[str, Any]) -> dict[str, Any]:
    charts["gain"]["title"] = _("Cumulative gain (validation)")
    charts["gain"]["series"] = {
        _("Model"): charts["gain"]["series"]["model"],
        _("Random"): charts["gain"]["series"]["random"],
    }
    charts["lift"]["title"] = _("Lift by decile (validation)")
    charts["lift"]["series"] = {_("Lift"): charts["lift"]["series"]["lift"]}
    return charts


def response_model_train(
    *,
    study: ResponseStudy,
    algorithm: str,
    created_by: Any = None,
    progress: Any = None,
) -> ModelRun:
    """Model and Assess: fit ``algorithm`` on the training rows, judge it on validation.

    Record a ModelRun (kind "response") holding the study's choices, the metrics (AUC,
    top-decile lift, lift per decile) and the gain and lift charts; save the fitted model
    with joblib under ``DANGOL_DATA_DIR/models/``.
    """
    if algorithm not in semma.ALGORITHMS:
        raise AnalyticsInputError(
            _("Unknown algorithm %(name)s.") % {"name": algorithm},
            code=AnalyticsErrorCode.INVALID_PARAMETER,
            field="algorithm",
        )
    step = progress or (lambda **kw: None)
    step(done=0, total=4, message=_("Sampling"), force=True)
    frame = study_frame(study=study)
    y = _response(frame, study.response_column)
    try:
        features = semma.features_check(frame, study.features)
        split = semma.sample_split(y, validation_share=study.validation_share, seed=study.seed)
    except semma.SemmaError as exc:
        raise _input_error(exc) from exc
    step(done=1, message=_("Fitting %(algorithm)s") % {"algorithm": algorithm})
    model = semma.model_fit(
        frame, y, features=features, algorithm=algorithm, rows=split.train, seed=study.seed
    )
    step(done=2, message=_("Assessing on the validation rows"))
    scores = model.predict(frame.iloc[split.valid])
    metrics, charts = semma.assess(y[split.valid], scores)
    train_scores = model.predict(frame.iloc[split.train])
    metrics["train_auc"] = semma.assess(y[split.train], train_scores)[0]["auc"]
    metrics |= {"train_rows": len(split.train), "valid_rows": len(split.valid)}
    step(done=3, message=_("Saving the model"))
    params = {
        "study": study.pk,
        "study_name": study.name,
        "source": study.source,
        "source_ref": Path(study.source_ref).name
        if study.source == ResponseSourceKind.CSV
        else study.source_ref,
        "response_column": study.response_column,
        "row_filter": study.row_filter,
        "validation_share": study.validation_share,
        "seed": study.seed,
        "features": features,
        "transformed_features": semma.feature_names(model),
        "scores_crm_customers": all(f["name"] in WAREHOUSE_FEATURES for f in features),
    }
    with transaction.atomic():
        run = model_run_create(
            kind=ModelKind.RESPONSE,
            algorithm={"logistic": "logistic regression", "gbm": "gradient boosting"}[algorithm],
            data_from=study.data_from,
            data_to=study.data_to,
            params=params,
            metrics=metrics,
            charts=_chart_titles(charts),
            rows_trained=len(split.train),
            created_by=created_by,
        )
        path = models_dir() / f"response-v{run.version}-{run.pk}.joblib"
        joblib.dump(model, path)
        run.artifact = str(path.relative_to(settings.DATA_DIR))
        run.save(update_fields=["artifact", "updated_at"])
    return run


def response_model_load(*, model_run: ModelRun) -> semma.ResponseModel:
    """Return the fitted model a response ModelRun saved."""
    if model_run.kind != ModelKind.RESPONSE or not model_run.artifact:
        raise AnalyticsInputError(
            _("This model run has no saved response model."),
            code=AnalyticsErrorCode.INVALID_PARAMETER,
            field="model_run",
        )
    return joblib.load(Path(settings.DATA_DIR) / model_run.artifact)


def _scorable_model(model_run: ModelRun) -> semma.ResponseModel:
    model = response_model_load(model_run=model_run)
    foreign = [f["name"] for f in model.features if f["name"] not in WAREHOUSE_FEATURES]
    if foreign:
        raise AnalyticsInputError(
            _("This model uses features the warehouse does not have: %(names)s.")
            % {"names": ", ".join(foreign)},
            code=AnalyticsErrorCode.INVALID_PARAMETER,
            field="model_run",
        )
    return model


def response_scores_write(
    *,
    model_run: ModelRun,
    customer_ids: list[int] | None = None,
    as_of: dt.date | None = None,
    progress: Any = None,
) -> int:
    """Score customers (all by default) with a response model; write response_probability.

    The features come from the warehouse as of ``as_of`` (today by default), so only a
    model trained on warehouse features can score. Return how many customers were written.
    """
    model = _scorable_model(model_run)
    step = progress or (lambda **kw: None)
    step(done=0, total=3, message=_("Reading customer features"), force=True)
    frame = customer_features_frame(as_of=as_of or timezone.localdate(), customer_ids=customer_ids)
    step(done=1, message=_("Scoring %(n)s customers") % {"n": len(frame)})
    rows = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].astype("int64"),
            "response_probability": model.predict(frame) if len(frame) else [],
        }
    )
    step(done=2, message=_("Writing scores"))
    with transaction.atomic():
        written = customer_scores_bulk_write(rows=rows, fields=["response_probability"])
        ModelRun.objects.filter(pk=model_run.pk).update(customers_scored=written)
    return written


@transaction.atomic
def response_model_train_start(*, study: ResponseStudy, algorithm: str, user: Any) -> Any:
    """Queue the training of ``algorithm`` on ``study`` as a background job; return the job."""
    from dangol.analytics.response.tasks import response_model_train_task
    from dangol.core.jobs import job_create
    from dangol.core.tasks import task_enqueue_on_commit

    if algorithm not in semma.ALGORITHMS:
        raise AnalyticsInputError(
            _("Unknown algorithm %(name)s.") % {"name": algorithm},
            code=AnalyticsErrorCode.INVALID_PARAMETER,
            field="algorithm",
        )
    job = job_create(
        kind="response.train", created_by=user, params={"study": study.pk, "algorithm": algorithm}
    )
    task_enqueue_on_commit(
        response_model_train_task, job_id=job.pk, study_id=study.pk, algorithm=algorithm
    )
    return job


@transaction.atomic
def response_scores_start(
    *, model_run: ModelRun, user: Any, customer_ids: list[int] | None = None
) -> Any:
    """Queue scoring customers with ``model_run`` as a background job; return the job."""
    from dangol.analytics.response.tasks import response_scores_write_task
    from dangol.core.jobs import job_create
    from dangol.core.tasks import task_enqueue_on_commit

    _scorable_model(model_run)  # refuse a model that cannot score now, not in the job
    job = job_create(
        kind="response.score",
        created_by=user,
        params={"model_run": model_run.pk, "customers": len(customer_ids or []) or "all"},
    )
    task_enqueue_on_commit(
        response_scores_write_task,
        job_id=job.pk,
        model_run_id=model_run.pk,
        customer_ids=customer_ids,
    )
    return job
