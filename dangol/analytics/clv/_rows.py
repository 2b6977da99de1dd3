"""Validate per-customer summary arrays and fold identical rows together.

Many customers share the same ``(frequency, recency, T)``: everyone who bought once on the
same day, for instance. Every model here computes on the distinct rows, with a count per
row as a weight, and scatters results back; on a million customers summarised in days that
shrinks the work several times over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dangol.analytics.clv.errors import ClvErrorCode, ClvInputError

FloatArray = np.ndarray


def as_float_array(values: object, *, name: str) -> FloatArray:
    """Return ``values`` as a 1-D float64 array, rejecting NaN and infinities."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ClvInputError(f"{name} must be one-dimensional", field=name)
    if not np.all(np.isfinite(array)):
        raise ClvInputError(f"{name} contains NaN or infinite values", field=name)
    return array


def validate_summary(
    frequency: object, recency: object, T: object
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return the three summary columns as float arrays after checking they fit together."""
    x = as_float_array(frequency, name="frequency")
    t_x = as_float_array(recency, name="recency")
    big_t = as_float_array(T, name="T")
    if not (len(x) == len(t_x) == len(big_t)):
        raise ClvInputError(
            "frequency, recency and T must have the same length", code=ClvErrorCode.INVALID
        )
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ClvInputError("frequency must be whole numbers >= 0", field="frequency")
    if np.any(t_x < 0) or np.any(t_x > big_t):
        raise ClvInputError("recency must lie between 0 and T", field="recency")
    if np.any((x == 0) & (t_x != 0)):
        raise ClvInputError("recency must be 0 when frequency is 0", field="recency")
    return x, t_x, big_t


@dataclass(frozen=True)
class DistinctRows:
    """The distinct ``(x, t_x, T)`` rows of a summary, each with its total weight.

    ``x_values``/``t_values``/``T_values`` are the distinct values of each column and
    ``x_index``/``t_index``/``T_index`` point every distinct row into them, so functions of
    one column alone (gammaln of ``r + x``, ``log(alpha + T)``) are evaluated once per
    distinct value rather than once per row. ``inverse`` maps each input row to its
    distinct row.
    """

    x_values: FloatArray
    t_values: FloatArray
    T_values: FloatArray
    x_index: np.ndarray
    t_index: np.ndarray
    T_index: np.ndarray
    weight: FloatArray
    inverse: np.ndarray

    @property
    def x(self) -> FloatArray:
        return self.x_values[self.x_index]

    @property
    def t_x(self) -> FloatArray:
        return self.t_values[self.t_index]

    @property
    def T(self) -> FloatArray:
        return self.T_values[self.T_index]


def distinct_rows(
    x: FloatArray, t_x: FloatArray, big_t: FloatArray, weights: FloatArray | None = None
) -> DistinctRows:
    """Fold identical ``(x, t_x, T)`` rows, summing their weights (1 each by default)."""
    # pandas.factorize hashes instead of sorting, which keeps this linear in the row count.
    x_codes, x_values = pd.factorize(x)
    t_codes, t_values = pd.factorize(t_x)
    T_codes, T_values = pd.factorize(big_t)
    n_t, n_T = len(t_values), len(T_values)
    key = (x_codes.astype(np.int64) * n_t + t_codes) * n_T + T_codes
    row_codes, row_keys = pd.factorize(key)
    weight = np.bincount(row_codes, weights=weights, minlength=len(row_keys)).astype(np.float64)
    row_keys = np.asarray(row_keys, dtype=np.int64)
    return DistinctRows(
        x_values=np.asarray(x_values, dtype=np.float64),
        t_values=np.asarray(t_values, dtype=np.float64),
        T_values=np.asarray(T_values, dtype=np.float64),
        x_index=row_keys // (n_t * n_T),
        t_index=(row_keys // n_T) % n_t,
        T_index=row_keys % n_T,
        weight=weight,
        inverse=row_codes,
    )
