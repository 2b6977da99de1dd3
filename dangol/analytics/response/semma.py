"""The campaign response model's steps, SAS's SEMMA: Sample, Explore, Modify, Model, Assess.

Pure computation on a pandas frame with a 0/1 response column; no Django. The services
keep each step's choices on a ``ResponseStudy`` and call these functions.

- Sample: a stratified train/validation split with a fixed seed (same rows every time).
- Explore: per column, a summary on the training rows and the response rate by level (a
  categorical column) or by quintile (a numeric one).
- Modify: each chosen feature gets a transform: ``none`` (numeric, median-imputed and
  standardised), ``log`` (log1p of the non-negative part, then standardised), ``bin``
  (quantile bins, one-hot), ``onehot`` (levels, one-hot; unseen levels ignored).
- Model: logistic regression or gradient boosting (scikit-learn) on the transformed
  features, fitted on the training rows.
- Assess: on the validation rows, AUC, the cumulative gain and the lift per decile of
  predicted probability, and the top-decile lift (response rate of the top 10% over the
  overall rate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    KBinsDiscretizer,
    OneHotEncoder,
    StandardScaler,
)

TRANSFORMS = ("none", "log", "bin", "onehot")
ALGORITHMS = ("logistic", "gbm")
MAX_LEVELS_SHOWN = 20


class SemmaError(ValueError):
    """A SEMMA choice that the data does not allow; ``field`` names what to correct."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def response_vector(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Return the response column as 0/1 integers; refuse anything else."""
    if column not in frame.columns:
        raise SemmaError(f"there is no column {column!r}", field="response_column")
    values = frame[column]
    if values.isna().any():
        raise SemmaError(f"the response column {column!r} has empty values", field=column)
    if values.dtype == bool:
        return values.astype(np.int64).to_numpy()
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.isna().any() or not set(np.unique(numeric)) <= {0, 1}:
        raise SemmaError(f"the response column {column!r} must hold only 0 and 1", field=column)
    y = numeric.astype(np.int64).to_numpy()
    if len(np.unique(y)) < 2:
        raise SemmaError(f"the response column {column!r} has one class only", field=column)
    return y


def rows_filter(frame: pd.DataFrame, row_filter: dict[str, list[Any]]) -> pd.DataFrame:
    """Return the rows whose columns hold one of the listed values ({column: [values]})."""
    keep = np.ones(len(frame), dtype=bool)
    for column, values in (row_filter or {}).items():
        if column not in frame.columns:
            raise SemmaError(f"there is no column {column!r} to filter on", field="row_filter")
        wanted = {str(v) for v in values}
        keep &= frame[column].astype(str).isin(wanted).to_numpy()
    return frame.loc[keep].reset_index(drop=True)


@dataclass(frozen=True)
class Split:
    """Row positions of the training and validation parts."""

    train: np.ndarray
    valid: np.ndarray


def sample_split(y: np.ndarray, *, validation_share: float, seed: int) -> Split:
    """Split rows into training and validation, stratified on ``y``, reproducibly."""
    if not 0 < validation_share < 1:
        raise SemmaError("the validation share must be between 0 and 1", field="validation_share")
    positions = np.arange(len(y))
    try:
        train, valid = train_test_split(
            positions, test_size=validation_share, stratify=y, random_state=seed
        )
    except ValueError as exc:
        raise SemmaError(str(exc), field="validation_share") from exc
    return Split(train=np.sort(train), valid=np.sort(valid))


def sample_summary(y: np.ndarray, split: Split) -> dict[str, Any]:
    """Return the rows and response rate of each part."""

    def part(idx: np.ndarray) -> dict[str, Any]:
        return {
            "rows": len(idx),
            "responders": int(y[idx].sum()),
            "response_rate": float(y[idx].mean()) if len(idx) else 0.0,
        }

    return {"all": part(np.arange(len(y))), "train": part(split.train), "valid": part(split.valid)}


def column_kind(series: pd.Series) -> str:
    """Return "numeric" or "categorical"; 0/1 flags count as numeric."""
    return "numeric" if pd.api.types.is_numeric_dtype(series) else "categorical"


def explore(
    frame: pd.DataFrame, y: np.ndarray, *, columns: Sequence[str], rows: np.ndarray
) -> list[dict[str, Any]]:
    """Summarise each of ``columns`` on ``rows`` (the training part), with response rates.

    Each entry: name, kind, missing, and for numeric columns mean, std, min, quartiles,
    max and the response rate per quintile; for categorical ones the levels with count and
    response rate (the most frequent first, at most ``MAX_LEVELS_SHOWN``). ``chart`` is a
    bar chart in the model page's format.
    """
    part = frame.iloc[rows]
    yp = y[rows]
    out = []
    for name in columns:
        series = part[name]
        kind = column_kind(series)
        entry: dict[str, Any] = {"name": name, "kind": kind, "missing": int(series.isna().sum())}
        if kind == "numeric":
            values = series.astype(float)
            q = values.quantile([0, 0.25, 0.5, 0.75, 1]).tolist()
            entry |= {
                "mean": float(values.mean()),
                "std": float(values.std()),
                "min": q[0],
                "p25": q[1],
                "median": q[2],
                "p75": q[3],
                "max": q[4],
                "distinct": int(values.nunique()),
            }
            if entry["distinct"] <= 5:
                codes, uniques = pd.factorize(values, sort=True)
                labels = [str(u) for u in uniques]
            else:
                cut = pd.qcut(values, 5, duplicates="drop")
                codes, labels = cut.cat.codes, [str(c) for c in cut.cat.categories]
        else:
            codes, uniques = pd.factorize(series)  # levels in order of first appearance
            labels = [str(u) for u in uniques]
            entry["distinct"] = len(labels)
        # Counted with bincount on integer codes: casting 100,000 values to text per
        # column cost seconds with pandas' Arrow strings.
        codes = np.asarray(codes, dtype=np.int64)
        if (codes < 0).any():
            codes = np.where(codes < 0, len(labels), codes)
            labels = [*labels, "(missing)"]
        sizes = np.bincount(codes, minlength=len(labels))
        hits = np.bincount(codes, weights=yp.astype(float), minlength=len(labels))
        order = np.arange(len(labels))
        if kind != "numeric":
            order = np.argsort(-sizes, kind="stable")
        order = [i for i in order if sizes[i] > 0][:MAX_LEVELS_SHOWN]
        entry["levels"] = [
            {
                "level": labels[i],
                "rows": int(sizes[i]),
                "response_rate": float(hits[i] / sizes[i]),
            }
            for i in order
        ]
        entry["chart"] = {
            "type": "bar",
            "title": name,
            "x": [lv["level"] for lv in entry["levels"]],
            "series": {"response rate": [lv["response_rate"] for lv in entry["levels"]]},
        }
        out.append(entry)
    return out


def default_features(frame: pd.DataFrame, *, exclude: Sequence[str]) -> list[dict[str, Any]]:
    """Return every column but ``exclude`` with its natural transform (numeric: none)."""
    return [
        {"name": c, "transform": "none" if column_kind(frame[c]) == "numeric" else "onehot"}
        for c in frame.columns
        if c not in exclude
    ]


def features_check(frame: pd.DataFrame, features: Sequence[dict[str, Any]]) -> list[dict]:
    """Validate Modify's choices against ``frame``; return them normalised."""
    if not features:
        raise SemmaError("choose at least one feature", field="features")
    seen, out = set(), []
    for spec in features:
        name, transform = spec.get("name"), spec.get("transform", "none")
        if name not in frame.columns:
            raise SemmaError(f"there is no column {name!r}", field="features")
        if name in seen:
            raise SemmaError(f"the column {name!r} is chosen twice", field="features")
        if transform not in TRANSFORMS:
            raise SemmaError(f"unknown transform {transform!r} for {name!r}", field="features")
        numeric = column_kind(frame[name]) == "numeric"
        if transform in ("none", "log", "bin") and not numeric:
            raise SemmaError(f"{name!r} is not numeric: use onehot", field="features")
        item = {"name": name, "transform": transform}
        if transform == "bin":
            bins = int(spec.get("bins", 5))
            if not 2 <= bins <= 20:
                raise SemmaError("bins must be between 2 and 20", field="features")
            item["bins"] = bins
        seen.add(name)
        out.append(item)
    return out


def _log1p_positive(x):
    return np.log1p(np.clip(np.asarray(x, dtype=float), 0, None))


def preprocessor(features: Sequence[dict[str, Any]]) -> ColumnTransformer:
    """Return the Modify step as a scikit-learn ColumnTransformer."""
    parts = []
    for spec in features:
        name, transform = spec["name"], spec["transform"]
        if transform == "none":
            steps = [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
        elif transform == "log":
            steps = [
                ("impute", SimpleImputer(strategy="median")),
                ("log", FunctionTransformer(_log1p_positive, feature_names_out="one-to-one")),
                ("scale", StandardScaler()),
            ]
        elif transform == "bin":
            steps = [
                ("impute", SimpleImputer(strategy="median")),
                (
                    "bin",
                    KBinsDiscretizer(
                        n_bins=spec.get("bins", 5),
                        encode="onehot-dense",
                        strategy="quantile",
                        quantile_method="averaged_inverted_cdf",
                    ),
                ),
            ]
        else:
            steps = [
                ("impute", SimpleImputer(strategy="constant", fill_value="(missing)")),
                ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
            ]
        parts.append((name, Pipeline(steps), [name]))
    return ColumnTransformer(parts, remainder="drop")


def _as_model_input(frame: pd.DataFrame, features: Sequence[dict[str, Any]]) -> pd.DataFrame:
    out = frame[[f["name"] for f in features]].copy()
    for spec in features:
        if spec["transform"] == "onehot":
            col = out[spec["name"]]
            out[spec["name"]] = col.astype(object).where(col.notna(), "(missing)").astype(str)
        else:
            out[spec["name"]] = pd.to_numeric(out[spec["name"]], errors="coerce").astype(float)
    return out


def model_build(algorithm: str, *, features: Sequence[dict[str, Any]], seed: int) -> Pipeline:
    """Return the unfitted pipeline (Modify + Model) for ``algorithm``."""
    if algorithm == "logistic":
        estimator = LogisticRegression(max_iter=2000)
    elif algorithm == "gbm":
        estimator = HistGradientBoostingClassifier(random_state=seed)
    else:
        raise SemmaError(f"unknown algorithm {algorithm!r}", field="algorithm")
    return Pipeline([("modify", preprocessor(features)), ("model", estimator)])


@dataclass
class ResponseModel:
    """A fitted response model: the pipeline and the features it expects."""

    pipeline: Pipeline
    features: list[dict[str, Any]]
    algorithm: str

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Return each row's probability of responding."""
        return self.pipeline.predict_proba(_as_model_input(frame, self.features))[:, 1]


def model_fit(
    frame: pd.DataFrame,
    y: np.ndarray,
    *,
    features: Sequence[dict[str, Any]],
    algorithm: str,
    rows: np.ndarray,
    seed: int,
) -> ResponseModel:
    """Fit ``algorithm`` on ``rows`` (the training part)."""
    pipeline = model_build(algorithm, features=features, seed=seed)
    pipeline.fit(_as_model_input(frame.iloc[rows], features), y[rows])
    return ResponseModel(pipeline=pipeline, features=list(features), algorithm=algorithm)


def deciles(scores: np.ndarray) -> list[np.ndarray]:
    """Return row positions in ten near-equal groups, highest scores first (ties by row)."""
    order = np.argsort(-scores, kind="stable")
    return np.array_split(order, 10)


def assess(y: np.ndarray, scores: np.ndarray) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (metrics, charts) of ``scores`` against the true responses ``y``."""
    groups = deciles(scores)
    base = float(y.mean())
    responders = max(1, int(y.sum()))
    rates = [float(y[g].mean()) if len(g) else 0.0 for g in groups]
    lift = [r / base if base else 0.0 for r in rates]
    cum_rows = np.cumsum([len(g) for g in groups])
    cum_hits = np.cumsum([int(y[g].sum()) for g in groups])
    gain = [0.0, *(float(h) / responders for h in cum_hits)]
    metrics = {
        "auc": float(roc_auc_score(y, scores)),
        "top_decile_lift": lift[0],
        "top_decile_response_rate": rates[0],
        "response_rate": base,
        "rows": len(y),
        "decile_lift": lift,
        "cumulative_lift": [
            (float(h) / n) / base if base else 0.0 for h, n in zip(cum_hits, cum_rows, strict=True)
        ],
    }
    percents = [0, *(round(100 * int(n) / len(y)) for n in cum_rows)]
    charts = {
        "gain": {
            "type": "line",
            "title": "Cumulative gain (validation)",
            "x": percents,
            "series": {"model": gain, "random": [p / 100 for p in percents]},
        },
        "lift": {
            "type": "bar",
            "title": "Lift by decile (validation)",
            "x": list(range(1, 11)),
            "series": {"lift": lift},
        },
    }
    return metrics, charts


def feature_names(model: ResponseModel) -> list[str]:
    """Return the transformed feature names (what the estimator sees)."""
    return [str(n) for n in model.pipeline.named_steps["modify"].get_feature_names_out()]
