"""CLV in the app: fit BG/NBD + Gamma-Gamma on the warehouse, validate on a holdout,
write ``clv`` and ``p_alive`` back to every customer and record the model card.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from dangol.analytics.clv.bgnbd import BetaGeo
from dangol.analytics.clv.errors import ClvErrorCode, ClvFitError, ClvInputError
from dangol.analytics.clv.gamma_gamma import GammaGamma
from dangol.analytics.clv.value import clv_scores
from dangol.analytics.clv.warehouse import (
    DAYS_PER_WEEK,
    clv_summary_warehouse,
    clv_validate,
    warehouse_sales_range,
)
from dangol.analytics.modelcards.config import predictive_setting
from dangol.analytics.modelcards.services import model_run_create
from dangol.analytics.models import ModelKind, ModelRun
from dangol.customers.score_services import customer_scores_bulk_write

logger = logging.getLogger(__name__)

ALGORITHM = "BG/NBD + Gamma-Gamma (MLE)"
CLV_WRITE_FIELDS = ["clv", "p_alive"]
# A holdout shorter than this says nothing about the model: validation is skipped.
MIN_HOLDOUT_WEEKS = 2
WEEKS_PER_YEAR = 52


def _no_progress(**_kwargs: Any) -> None:
    return None


def _warehouse(path: str | None):
    import duckdb

    if path:
        return duckdb.connect(str(path), read_only=True)
    from dangol.analytics.warehouse.connection import warehouse_connect

    return warehouse_connect()


def weekly_discount_rate(yearly: float) -> float:
    """Return the weekly rate equivalent to a yearly discount rate (compounded)."""
    return (1.0 + yearly) ** (1.0 / WEEKS_PER_YEAR) - 1.0


@dataclass(frozen=True)
class ClvRefreshResult:
    """What one in-app CLV run did."""

    run: ModelRun
    customers_scored: int
    seconds: dict[str, float]


def clv_refresh(
    *,
    calibration_end: dt.date | None = None,
    horizon_weeks: float | None = None,
    discount_rate: float | None = None,
    holdout_weeks: int | None = None,
    warehouse: str | None = None,
    created_by: Any = None,
    progress: Any = None,
) -> ClvRefreshResult:
    """Fit, validate and score CLV on the warehouse; write it back; record a ModelRun.

    1. Validation: BG/NBD fitted on the purchases up to ``data end - holdout`` and
       compared with the holdout (tracking and conditional-expectation charts).
    2. Production: both models fitted on every purchase up to ``calibration_end`` (the
       warehouse's last order date when not given), then P(alive), expected purchases,
       expected average value and CLV over ``horizon_weeks`` discounted at
       ``discount_rate`` a year for every customer who has bought.
    3. ``clv`` and ``p_alive`` written to those customers' scores; every other customer's
       are cleared (no purchase, no model).

    :param holdout_weeks: length of the validation holdout (default from settings); it is
        shortened to a third of the data's span when the data are short.
    :raises ClvInputError: when the warehouse holds no usable sales.
    """
    progress = progress or _no_progress
    horizon = float(horizon_weeks or predictive_setting("clv_horizon_weeks"))
    yearly = float(
        predictive_setting("clv_discount_rate") if discount_rate is None else discount_rate
    )
    wanted_holdout = int(holdout_weeks or predictive_setting("clv_holdout_weeks"))
    seconds: dict[str, float] = {}
    con = _warehouse(warehouse)
    try:
        progress(done=0, total=5, message="reading the warehouse", force=True)
        first_day, last_day = warehouse_sales_range(con=con)
        end = min(calibration_end, last_day) if calibration_end else last_day
        if end < first_day:
            raise ClvInputError(
                f"calibration end {end.isoformat()} is before the first sale "
                f"({first_day.isoformat()})",
                field="calibration_end",
                code=ClvErrorCode.CALIBRATION_END_TOO_EARLY,
            )
        span_weeks = (end - first_day).days // 7
        holdout = min(wanted_holdout, span_weeks // 3)
        validation = None
        started = time.perf_counter()
        if holdout >= MIN_HOLDOUT_WEEKS:
            progress(done=1, message="validating on the holdout", force=True)
            validation = clv_validate(
                con=con,
                calibration_end=end - dt.timedelta(days=7 * holdout),
                holdout_end=end,
            )
        seconds["validation"] = time.perf_counter() - started

        progress(done=2, message="summarising purchases", force=True)
        started = time.perf_counter()
        summary = clv_summary_warehouse(con=con, until=end)
        seconds["summary"] = time.perf_counter() - started
    finally:
        con.close()

    progress(done=3, message="fitting BG/NBD and Gamma-Gamma", force=True)
    started = time.perf_counter()
    x, t_x, big_t, m = (summary[c] for c in ("frequency", "recency", "T", "monetary"))
    bgnbd = BetaGeo().fit(x, t_x, big_t)
    # A repeat buyer whose repeat days were all refunded has no positive mean to fit on;
    # leave them out of the spend fit (their prediction leans on the population mean).
    spend_x = np.where(m.to_numpy() > 0, x.to_numpy(), 0)
    gamma_gamma = GammaGamma().fit(spend_x, m)
    seconds["fit"] = time.perf_counter() - started

    progress(done=4, message="scoring customers", force=True)
    started = time.perf_counter()
    weekly = weekly_discount_rate(yearly)
    scores = clv_scores(
        bgnbd=bgnbd,
        gamma_gamma=gamma_gamma,
        frequency=x,
        recency=t_x,
        T=big_t,
        monetary=m,
        horizon=horizon,
        discount_rate=weekly,
    )
    seconds["score"] = time.perf_counter() - started
    frame = summary[["customer_id"]].assign(clv=scores.clv, p_alive=scores.p_alive)
    started = time.perf_counter()
    written = customer_scores_bulk_write(rows=frame, fields=CLV_WRITE_FIELDS, clear_others=True)
    seconds["write_back"] = time.perf_counter() - started

    repeat = int((x > 0).sum())
    params = {
        "bgnbd": {k: round(v, 6) for k, v in bgnbd.params_.items()},
        "gamma_gamma": {k: round(v, 6) for k, v in gamma_gamma.params_.items()},
        "time_unit": "week",
        "calibration_end": end.isoformat(),
        "horizon_weeks": horizon,
        "discount_rate_yearly": yearly,
        "discount_rate_weekly": round(weekly, 8),
        "holdout_weeks": holdout if validation else 0,
    }
    metrics: dict[str, Any] = {
        "bgnbd_loglik": round(bgnbd.log_likelihood_, 4),
        "gamma_gamma_loglik": round(gamma_gamma.log_likelihood_, 4),
        "customers": len(summary),
        "repeat_buyers": repeat,
        "mean_p_alive": round(float(np.mean(scores.p_alive)), 5),
        "mean_clv": round(float(np.mean(scores.clv)), 2),
        "total_clv": round(float(np.sum(scores.clv)), 2),
        # The list of at-risk valuable customers starts from the top quartile of CLV.
        "clv_quantiles": {
            f"p{q}": round(float(np.quantile(scores.clv, q / 100)), 2) for q in (50, 75, 90)
        },
        "expected_purchases_horizon": round(float(np.sum(scores.expected_purchases)), 2),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
    }
    if validation is not None:
        metrics["validation"] = validation.metrics
    progress(done=5, message="recording the model card", force=True)
    run = model_run_create(
        kind=ModelKind.CLV,
        algorithm=ALGORITHM,
        params=params,
        metrics=metrics,
        charts=validation.charts if validation else {},
        data_from=first_day,
        data_to=end,
        rows_trained=len(summary),
        customers_scored=written,
        created_by=created_by,
    )
    return ClvRefreshResult(run=run, customers_scored=written, seconds=seconds)


def clv_scorer(*, as_of: dt.date, progress: Any = None) -> int:
    """Refit and rescore CLV after a warehouse refresh (``DANGOL_SCORERS_AFTER_REFRESH``).

    Purchases after ``as_of`` are ignored; return how many customers were scored. Data the
    models cannot be fitted on (too few buyers, no repeat buyer) is logged and skipped
    with 0: the refresh pipeline's other scorers must still run.
    """
    try:
        return clv_refresh(calibration_end=as_of, progress=progress).customers_scored
    except (ClvInputError, ClvFitError) as exc:
        logger.warning("CLV not rescored after the refresh: %s", exc)
        return 0


__all__ = ["DAYS_PER_WEEK", "ClvRefreshResult", "clv_refresh", "clv_scorer"]
