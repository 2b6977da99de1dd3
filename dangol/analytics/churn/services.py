"""Train the churn model on the warehouse, score every customer, write ``churn_probability``
back and record the model card.

Time-based split (N = ``churn_days``, E = the warehouse's last order date):

- test cutoff ``t1 = E - N``: features as of t1, labels from (t1, E];
- train cutoff ``t0 = t1 - N``: features as of t0, labels from (t0, t1], so no training
  label looks past the test features' date;
- the model that scores customers is then refitted on the t1 rows (the latest labelled
  data) and applied to features as of E.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from django.conf import settings
from threadpoolctl import threadpool_limits

from dangol.analytics.churn.errors import ChurnError
from dangol.analytics.churn.features import churn_frame, feature_names, interaction_channels
from dangol.analytics.churn.model import churn_assess, churn_fit
from dangol.analytics.clv.errors import ClvInputError
from dangol.analytics.clv.warehouse import warehouse_sales_range
from dangol.analytics.modelcards.config import predictive_setting
from dangol.analytics.modelcards.selectors import model_run_latest
from dangol.analytics.modelcards.services import model_run_create, model_run_scored_set
from dangol.analytics.models import ModelKind, ModelRun
from dangol.customers.score_services import customer_scores_bulk_write

logger = logging.getLogger(__name__)

ALGORITHM = "HistGradientBoostingClassifier (scikit-learn)"
CHURN_WRITE_FIELDS = ["churn_probability"]


def _no_progress(**_kwargs: Any) -> None:
    return None


def _warehouse(path: str | None):
    import duckdb

    if path:
        return duckdb.connect(str(path), read_only=True)
    from dangol.analytics.warehouse.connection import warehouse_connect

    return warehouse_connect()


def _threads() -> int:
    """Return the OpenMP threads the model may use (``DANGOL_PREDICTIVE["threads"]``)."""
    return int(predictive_setting("threads"))


def _models_dir() -> Path:
    path = Path(settings.DATA_DIR) / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def churn_cutoffs(
    *, first_day: dt.date, data_end: dt.date, churn_days: int
) -> tuple[dt.date, dt.date]:
    """Return the (train, test) cutoffs; raise ``ChurnError`` when the history is too short.

    The train cutoff needs at least ``churn_days`` of purchases before it as well, so its
    features describe some history.
    """
    test_cutoff = data_end - dt.timedelta(days=churn_days)
    train_cutoff = test_cutoff - dt.timedelta(days=churn_days)
    if train_cutoff - dt.timedelta(days=min(churn_days, 90)) < first_day:
        raise ChurnError(
            f"the sales from {first_day.isoformat()} to {data_end.isoformat()} are too short "
            f"for a {churn_days}-day churn window: a time split needs about "
            f"{2 * churn_days + min(churn_days, 90)} days (lower DANGOL_CHURN_DAYS)",
            field="churn_days",
        )
    return train_cutoff, test_cutoff


def _write_back(frame, probabilities) -> int:
    rows = frame[["customer_id"]].assign(churn_probability=np.asarray(probabilities, dtype=float))
    return customer_scores_bulk_write(rows=rows, fields=CHURN_WRITE_FIELDS, clear_others=True)


def churn_train(
    *,
    churn_days: int | None = None,
    top_share: float | None = None,
    warehouse: str | None = None,
    write_back: bool = True,
    created_by: Any = None,
    progress: Any = None,
) -> ModelRun:
    """Train and assess on the time split, refit on the latest labels, score everyone.

    Record a ModelRun (kind "churn") with the test metrics and charts; with ``write_back``
    every customer who has bought gets ``churn_probability`` (others are cleared). The
    fitted model is kept as a joblib file under ``DANGOL_DATA_DIR/models/`` for
    ``churn_score``.

    :raises ChurnError: when the history is too short for the window or one cutoff
        holds a single class.
    """
    progress = progress or _no_progress
    days = int(churn_days or predictive_setting("churn_days"))
    share = float(top_share or predictive_setting("churn_top_share"))
    seconds: dict[str, float] = {}
    con = _warehouse(warehouse)
    try:
        progress(done=0, total=6, message="reading the warehouse", force=True)
        first_day, data_end = warehouse_sales_range(con=con)
        train_cutoff, test_cutoff = churn_cutoffs(
            first_day=first_day, data_end=data_end, churn_days=days
        )
        channels = interaction_channels(con=con)
        names = feature_names(channels)
        started = time.perf_counter()
        progress(done=1, message="features as of the training cutoff", force=True)
        train = churn_frame(con=con, cutoff=train_cutoff, churn_days=days, channels=channels)
        progress(done=2, message="features as of the test cutoff", force=True)
        test = churn_frame(con=con, cutoff=test_cutoff, churn_days=days, channels=channels)
        progress(done=3, message="features as of the data end", force=True)
        current = churn_frame(con=con, cutoff=data_end, churn_days=days, channels=channels)
        seconds["features"] = time.perf_counter() - started
    finally:
        con.close()
    # A feature with no value at a cutoff (the CLV fit degenerate on odd data) cannot be
    # binned by the model: leave it out of this version and say so on the card.
    dropped = [n for n in names if train[n].isna().all() or test[n].isna().all()]
    names = [n for n in names if n not in dropped]

    # One OpenMP thread: on a shared 2-core machine the gradient boosting's threads spend
    # more time waiting for each other than working (16 s -> 2 s to train 12,000 rows).
    with threadpool_limits(limits=_threads(), user_api="openmp"):
        progress(done=4, message="training and assessing", force=True)
        started = time.perf_counter()
        model = churn_fit(train[names], train["churned"])
        seconds["train"] = time.perf_counter() - started
        started = time.perf_counter()
        metrics, charts = churn_assess(model, test[names], test["churned"], top_share=share)
        seconds["assess"] = time.perf_counter() - started

        progress(done=5, message="refitting on the latest labels and scoring", force=True)
        started = time.perf_counter()
        final = churn_fit(test[names], test["churned"])
        probabilities = final.predict_proba(current[names])[:, 1]
        seconds["refit_score"] = time.perf_counter() - started
    written = 0
    if write_back:
        started = time.perf_counter()
        written = _write_back(current, probabilities)
        seconds["write_back"] = time.perf_counter() - started

    metrics |= {
        "train_customers": len(train),
        "train_churn_rate": round(float(train["churned"].mean()), 5),
        "mean_churn_probability": round(float(np.mean(probabilities)), 5),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
    }
    params = {
        "churn_days": days,
        "definition": f"no valid purchase in the {days} days after the cutoff",
        "train_cutoff": train_cutoff.isoformat(),
        "test_cutoff": test_cutoff.isoformat(),
        "scored_as_of": data_end.isoformat(),
        "features": names,
        "features_dropped": dropped,
        "interaction_channels": channels,
        "service_features": "interactions (no service tickets yet)",
        "model": {
            k: v
            for k, v in final.get_params().items()
            if isinstance(v, int | float | str | bool) or v is None
        },
        "iterations": int(final.n_iter_),
    }
    run = model_run_create(
        kind=ModelKind.CHURN,
        algorithm=ALGORITHM,
        params=params,
        metrics=metrics,
        charts=charts,
        data_from=first_day,
        data_to=data_end,
        rows_trained=len(train) + len(test),
        customers_scored=written,
        created_by=created_by,
    )
    artifact = _models_dir() / f"churn-v{run.version}.joblib"
    joblib.dump(
        {"model": final, "channels": channels, "features": names, "churn_days": days}, artifact
    )
    run.artifact = artifact.name
    run.save(update_fields=["artifact", "updated_at"])
    progress(done=6, message="done", force=True)
    return run


def churn_score(
    *, as_of: dt.date | None = None, warehouse: str | None = None, progress: Any = None
) -> int:
    """Score every customer with the latest trained churn model and write it back.

    Features are computed as of ``as_of`` (the warehouse's last order date when not
    given, or when later). Return how many customers were scored.

    :raises ChurnError: when no churn model has been trained yet.
    """
    progress = progress or _no_progress
    run = model_run_latest(kind=ModelKind.CHURN)
    path = _models_dir() / run.artifact if run and run.artifact else None
    if path is None or not path.exists():
        raise ChurnError("no churn model yet: run `dangol churn train` first", field="model")
    saved = joblib.load(path)
    progress(done=0, total=3, message="features", force=True)
    con = _warehouse(warehouse)
    try:
        _first_day, data_end = warehouse_sales_range(con=con)
        cutoff = min(as_of, data_end) if as_of else data_end
        current = churn_frame(
            con=con, cutoff=cutoff, churn_days=saved["churn_days"], channels=saved["channels"]
        )
    finally:
        con.close()
    progress(done=1, message="scoring", force=True)
    with threadpool_limits(limits=_threads(), user_api="openmp"):
        probabilities = saved["model"].predict_proba(current[saved["features"]])[:, 1]
    progress(done=2, message="writing back", force=True)
    written = _write_back(current, probabilities)
    model_run_scored_set(run=run, customers_scored=written)
    return written


def churn_scorer(*, as_of: dt.date, progress: Any = None) -> int:
    """Rescore churn after a warehouse refresh (``DANGOL_SCORERS_AFTER_REFRESH``).

    Uses the latest trained model; trains one first when there is none. Data too short
    for the churn window (or with one class) is logged and skipped with 0: the refresh
    pipeline's other scorers must still run.
    """
    run = model_run_latest(kind=ModelKind.CHURN)
    try:
        if run is None or not run.artifact or not (_models_dir() / run.artifact).exists():
            return churn_train(progress=progress).customers_scored
        return churn_score(as_of=as_of, progress=progress)
    except (ChurnError, ClvInputError) as exc:
        logger.warning("Churn risk not rescored after the refresh: %s", exc)
        return 0


__all__ = ["churn_cutoffs", "churn_score", "churn_scorer", "churn_train"]
