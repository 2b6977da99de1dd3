"""The churn classifier and its assessment: AUC, precision and recall at top-k, a
calibration curve and permutation feature importance (scikit-learn).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop as _N
from sklearn.calibration import calibration_curve
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.metrics import brier_score_loss, roc_auc_score

from dangol.analytics.modelcards.charts import chart

RANDOM_STATE = 0
# Permutation importance re-scores the test set once per feature and repeat: a sample
# keeps it to seconds at a million customers.
IMPORTANCE_MAX_ROWS = 5000
IMPORTANCE_REPEATS = 3
CALIBRATION_BINS = 10


def churn_classifier() -> HistGradientBoostingClassifier:
    """Return the untrained model (fixed seed: the same data give the same model)."""
    return HistGradientBoostingClassifier(
        max_iter=300,
        learning_rate=0.05,
        max_leaf_nodes=31,
        l2_regularization=1.0,
        early_stopping=True,
        validation_fraction=0.15,
        n_iter_no_change=20,
        random_state=RANDOM_STATE,
    )


def churn_fit(features: pd.DataFrame, labels: pd.Series) -> HistGradientBoostingClassifier:
    """Fit the classifier on ``features`` (one column per feature) and 0/1 ``labels``."""
    y = labels.to_numpy()
    if len(np.unique(y)) < 2:
        from dangol.analytics.churn.errors import ChurnError

        raise ChurnError("the training cutoff has only one class: nobody or everybody churned")
    return churn_classifier().fit(features, y)


def top_k_scores(y: np.ndarray, score: np.ndarray, k: int) -> tuple[float, float]:
    """Return (precision, recall) of the ``k`` highest scores (ties broken by position)."""
    if k <= 0 or len(y) == 0:
        return 0.0, 0.0
    order = np.argsort(-score, kind="stable")[:k]
    hits = float(y[order].sum())
    positives = float(y.sum())
    return hits / k, (hits / positives if positives else 0.0)


def churn_assess(
    model: HistGradientBoostingClassifier,
    features: pd.DataFrame,
    labels: pd.Series,
    *,
    top_share: float,
    baseline_feature: str = "recency_days",
) -> tuple[dict, dict]:
    """Return (metrics, charts) of ``model`` on held-out ``features``/``labels``.

    The baseline is the trivial rule "the longer since the last order, the likelier to
    churn" (``baseline_feature`` as the score); the model must beat its AUC.
    """
    y = labels.to_numpy().astype(int)
    p = model.predict_proba(features)[:, 1]
    both = len(np.unique(y)) == 2
    auc = float(roc_auc_score(y, p)) if both else None
    baseline = features[baseline_feature].fillna(features[baseline_feature].max()).to_numpy()
    baseline_auc = float(roc_auc_score(y, baseline)) if both else None
    k = max(1, round(top_share * len(y)))
    precision, recall = top_k_scores(y, p, k)
    base_precision, base_recall = top_k_scores(y, baseline, k)
    metrics = {
        "test_customers": len(y),
        "test_churn_rate": round(float(y.mean()), 5),
        "auc": round(auc, 5) if auc is not None else None,
        "baseline_auc_recency": round(baseline_auc, 5) if baseline_auc is not None else None,
        "top_k": k,
        "top_k_share": top_share,
        "precision_at_k": round(precision, 5),
        "recall_at_k": round(recall, 5),
        "baseline_precision_at_k": round(base_precision, 5),
        "baseline_recall_at_k": round(base_recall, 5),
        "brier": round(float(brier_score_loss(y, p)), 5),
    }
    charts: dict = {}
    if both:
        observed, predicted = calibration_curve(y, p, n_bins=CALIBRATION_BINS, strategy="quantile")
        charts["calibration"] = chart(
            type="scatter",
            title=_N("Calibration: observed churn rate by predicted probability (test)"),
            x=np.round(predicted, 5).tolist(),
            x_label=_N("mean predicted churn probability"),
            y_label=_N("observed churn rate"),
            series={
                _N("observed"): np.round(observed, 5).tolist(),
                _N("perfectly calibrated"): np.round(predicted, 5).tolist(),
            },
            lines=True,
        )
        metrics["calibration"] = {
            "predicted": np.round(predicted, 5).tolist(),
            "observed": np.round(observed, 5).tolist(),
        }
        # Share of all churners found in the top x% by score: the gain curve.
        order = np.argsort(-p, kind="stable")
        found = np.cumsum(y[order]) / max(1, y.sum())
        shares = np.arange(1, 21) / 20
        at = np.maximum(1, np.round(shares * len(y)).astype(int)) - 1
        base_found = np.cumsum(y[np.argsort(-baseline, kind="stable")]) / max(1, y.sum())
        charts["gain"] = chart(
            type="scatter",
            title=_N("Gain: share of churners among the top-scored customers (test)"),
            x=np.round(shares, 3).tolist(),
            x_label=_N("share of customers contacted"),
            y_label=_N("share of churners found"),
            series={
                _N("model"): np.round(found[at], 5).tolist(),
                _N("recency baseline"): np.round(base_found[at], 5).tolist(),
                _N("random"): np.round(shares, 5).tolist(),
            },
            lines=True,
        )
        sample = features
        sample_y = y
        if len(y) > IMPORTANCE_MAX_ROWS:
            rng = np.random.default_rng(RANDOM_STATE)
            rows = np.sort(rng.choice(len(y), IMPORTANCE_MAX_ROWS, replace=False))
            sample, sample_y = features.iloc[rows], y[rows]
        if len(np.unique(sample_y)) == 2:
            importance = permutation_importance(
                model,
                sample,
                sample_y,
                scoring="roc_auc",
                n_repeats=IMPORTANCE_REPEATS,
                random_state=RANDOM_STATE,
            )
            ranked = sorted(
                zip(features.columns, importance.importances_mean, strict=True),
                key=lambda item: -item[1],
            )
            metrics["permutation_importance_auc"] = {
                name: round(float(value), 5) for name, value in ranked
            }
            charts["feature_importance"] = chart(
                type="bar",
                title=_N("Permutation importance: AUC lost when the feature is shuffled (test)"),
                x=[name for name, _ in ranked],
                y_label=_N("AUC decrease"),
                series={_N("importance"): [round(float(v), 5) for _, v in ranked]},
            )
    return metrics, charts
