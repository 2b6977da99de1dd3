"""Writes of the recommendations: refresh them from the warehouse, evaluate them offline.

A refresh computes every customer's cross-sell (``DANGOL_RECOMMEND["method"]``, item-to-
item cosine by default) and up-sell top-N on the current warehouse, evaluates the methods
on a time split, records a ``ModelRun`` (kind "recommend") and replaces the whole
``Recommendation`` table with one set-based write, in one transaction: readers see the
old or the new set, never a mix.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from dangol.analytics.models import ModelKind, ModelRun, Recommendation, RecommendationKind
from dangol.analytics.recommend import engine
from dangol.analytics.recommend.data import engine_from_warehouse
from dangol.analytics.recommend.runs import model_run_create
from dangol.catalog.models import Product
from dangol.core.bulk import bulk_insert, frame_rows, temp_table_drop
from dangol.customers.models import Customer

DEFAULTS: dict[str, Any] = {
    "top_n": 10,
    "method": "cosine",
    "rule_min_support": 0.0001,
    "rule_min_confidence": 0.01,
    "holdout_days": 90,
    "eval_k": 10,
}
_TEMP = "tmp_recommendations"


def recommend_config() -> dict[str, Any]:
    """Return ``DANGOL_RECOMMEND`` merged over the defaults."""
    return DEFAULTS | dict(getattr(settings, "DANGOL_RECOMMEND", {}) or {})


def _engine_settings(config: dict[str, Any]) -> engine.RecommendSettings:
    return engine.RecommendSettings(
        top_n=int(config["top_n"]),
        method=str(config["method"]),
        rule_min_support=float(config["rule_min_support"]),
        rule_min_confidence=float(config["rule_min_confidence"]),
    )


def _labels() -> dict[str, str]:
    return {
        "popularity": _("Popularity (baseline)"),
        "rules": _("Association rules"),
        "cosine": _("Item-to-item cosine"),
        "hit_rate": _("Hit rate"),
        "precision": _("Precision"),
        "hit_rate_title": _("Hit rate at k (time split)"),
        "precision_title": _("Precision at k (time split)"),
        "methods_title": _("Methods at k"),
    }


def _date_range(con) -> tuple[dt.date | None, dt.date | None]:
    first, last = con.execute("SELECT min(order_date), max(order_date) FROM tx").fetchone()
    return first, last


def _evaluation_metrics(evaluation: engine.Evaluation, *, k: int) -> dict[str, Any]:
    at_k = evaluation.at(k)
    base = at_k["popularity"]
    return {
        "k": k,
        "split_date": evaluation.split_date.isoformat(),
        "test_customers": evaluation.test_customers,
        "methods": at_k,
        "hit_rate_lift_over_popularity": {
            m: (v["hit_rate"] / base["hit_rate"] if base["hit_rate"] else None)
            for m, v in at_k.items()
        },
    }


def _run_evaluation(con, *, config, split_date, progress) -> tuple[engine.Evaluation, dt.date]:
    _first, last = _date_range(con)
    if split_date is None:
        if last is None:
            raise ValueError("no purchases to evaluate on")
        split_date = last - dt.timedelta(days=int(config["holdout_days"]) - 1)
    evaluation = engine.evaluate(
        con,
        split_date=split_date,
        settings=_engine_settings(config),
        k_max=max(20, int(config["eval_k"])),
        progress=(lambda m: progress(advance=1, message=_("Evaluating %s") % m))
        if progress
        else None,
    )
    return evaluation, split_date


def recommendations_evaluate(
    *,
    split_date: dt.date | None = None,
    warehouse: str | Path | None = None,
    created_by: Any = None,
    progress: Any = None,
) -> ModelRun:
    """Evaluate popularity, rules and cosine on a time split; record a ModelRun and return it.

    :param split_date: the first test day; by default ``holdout_days`` before the last
        purchase. Each method learns from purchases before it and is judged on the
        products each customer bought on or after it and never before.
    """
    config = recommend_config()
    if progress:
        progress(done=0, total=4, message=_("Reading the warehouse"), force=True)
    con = engine_from_warehouse(path=warehouse)
    try:
        first, last = _date_range(con)
        evaluation, split_date = _run_evaluation(
            con, config=config, split_date=split_date, progress=progress
        )
    finally:
        con.close()
    k = int(config["eval_k"])
    return model_run_create(
        kind=ModelKind.RECOMMEND,
        algorithm="evaluation: popularity, pair rules, item cosine",
        data_from=first,
        data_to=last,
        params={"evaluation_only": True, **config},
        metrics=_evaluation_metrics(evaluation, k=k),
        charts=engine.evaluation_charts(evaluation, k=k, labels=_labels()),
        created_by=created_by,
        note=_("Offline evaluation on a time split; no recommendations written."),
    )


@transaction.atomic
def recommendations_replace(*, rows: pd.DataFrame, model_run: ModelRun) -> int:
    """Replace every stored recommendation by ``rows`` in one set-based write.

    ``rows`` holds customer_id, product_id, kind, score, rank. Rows naming a customer or
    product that no longer exists are skipped. Return how many rows were written.
    """
    qn = connection.ops.quote_name
    ints = "bigint" if connection.vendor == "postgresql" else "integer"
    real = "double precision" if connection.vendor == "postgresql" else "real"
    suffix = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {qn(_TEMP)}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {qn(_TEMP)} (customer_id {ints}, product_id {ints}, "
            f"kind text, score {real}, {qn('rank')} integer){suffix}"
        )
    columns = ["customer_id", "product_id", "kind", "score", "rank"]
    kinds = [("customer_id", "int"), ("product_id", "int"), ("kind", "text")]
    kinds += [("score", "text"), ("rank", "int")]
    bulk_insert(table=_TEMP, columns=columns, rows=frame_rows(rows, kinds))
    table = qn(Recommendation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(
            f"INSERT INTO {table} (customer_id, product_id, kind, score, {qn('rank')}, "
            f"model_run_id) SELECT t.customer_id, t.product_id, t.kind, t.score, "
            f"t.{qn('rank')}, %s FROM {qn(_TEMP)} t "
            f"JOIN {qn(Customer._meta.db_table)} c ON c.id = t.customer_id "
            f"JOIN {qn(Product._meta.db_table)} p ON p.id = t.product_id",
            [model_run.pk],
        )
        written = cursor.rowcount
    temp_table_drop(name=_TEMP)
    return written


def _recommendation_rows(con, *, config, before: dt.date | None) -> pd.DataFrame:
    engine_settings = _engine_settings(config)
    cross = engine.cross_sell_top_n(
        con, method=engine_settings.method, settings=engine_settings, before=before
    )
    up = engine.upsell_top_n(con, before=before, top_n=engine_settings.top_n)
    cross["kind"] = RecommendationKind.CROSS.value
    up["kind"] = RecommendationKind.UP.value
    return pd.concat([cross, up], ignore_index=True)


def recommendations_refresh(
    *,
    as_of: dt.date | None = None,
    evaluate: bool = True,
    warehouse: str | Path | None = None,
    created_by: Any = None,
    progress: Any = None,
) -> ModelRun:
    """Recompute every customer's recommendations from the warehouse and store them.

    :param as_of: use purchases up to and including this day (all by default).
    :param evaluate: also evaluate the methods on a time split and keep the figures on
        the run's model card.
    :param progress: a ``core.jobs`` progress callable, or None.
    """
    config = recommend_config()
    if progress:
        progress(done=0, total=6 if evaluate else 3, message=_("Reading the warehouse"), force=True)
    before = as_of + dt.timedelta(days=1) if as_of else None
    con = engine_from_warehouse(path=warehouse)
    try:
        if before:
            con.execute("DELETE FROM tx WHERE order_date >= ?", [before])
        first, last = _date_range(con)
        metrics: dict[str, Any] = {}
        charts: dict[str, Any] = {}
        if evaluate and last is not None:
            evaluation, _split = _run_evaluation(
                con, config=config, split_date=None, progress=progress
            )
            metrics = _evaluation_metrics(evaluation, k=int(config["eval_k"]))
            charts = engine.evaluation_charts(evaluation, k=int(config["eval_k"]), labels=_labels())
        if progress:
            progress(advance=1, message=_("Computing recommendations"))
        rows = _recommendation_rows(con, config=config, before=None)
        n_tx = con.execute("SELECT count(*) FROM tx").fetchone()[0]
    finally:
        con.close()
    if progress:
        progress(advance=1, message=_("Writing recommendations"))
    customers = int(rows["customer_id"].nunique()) if len(rows) else 0
    with transaction.atomic():
        run = model_run_create(
            kind=ModelKind.RECOMMEND,
            algorithm=f"cross-sell: {config['method']}; up-sell: category price/margin",
            data_from=first,
            data_to=last,
            params={"evaluation_only": False, **config},
            metrics=metrics,
            charts=charts,
            rows_trained=int(n_tx),
            customers_scored=customers,
            created_by=created_by,
        )
        written = recommendations_replace(rows=rows, model_run=run)
        metrics["recommendations_written"] = written
        run.metrics = metrics
        run.save(update_fields=["metrics", "updated_at"])
    return run


class _MessagesOnly:
    """Pass only messages to a caller's progress: its counts measure its own steps."""

    def __init__(self, progress: Any) -> None:
        self._progress = progress

    def __call__(self, *, message: str | None = None, **_counts: Any) -> None:
        if message is not None:
            self._progress(message=message)


def recommendations_score_after_refresh(*, as_of: dt.date, progress: Any = None) -> int:
    """Scorer for ``DANGOL_SCORERS_AFTER_REFRESH``: refresh and return customers served."""
    run = recommendations_refresh(
        as_of=as_of, evaluate=True, progress=_MessagesOnly(progress) if progress else None
    )
    return run.customers_scored


@transaction.atomic
def recommendations_refresh_start(*, user: Any) -> Any:
    """Queue a recommendation refresh as a background job; return the job."""
    from dangol.analytics.recommend.tasks import recommendations_refresh_task
    from dangol.core.jobs import job_create
    from dangol.core.tasks import task_enqueue_on_commit

    job = job_create(kind="recommend.refresh", created_by=user)
    task_enqueue_on_commit(recommendations_refresh_task, job_id=job.pk)
    return job
