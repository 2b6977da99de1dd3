"""Validate per-customer summary arrays, and index the values many customers share.

Customers summarised in days share a lot: every frequency is one of a few dozen whole
numbers, T one of a few hundred day counts. The models evaluate their special functions
once per distinct value (or distinct (x, T) pair) and gather the results per customer,
which keeps the per-customer work to cheap arithmetic.
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


# Index small whole-number frequencies directly rather than hashing them.
DENSE_X_LIMIT = 4096


def codes(values: FloatArray) -> tuple[np.ndarray, FloatArray]:
    """Return (index of each value into the distinct values, the distinct values).

    Whole numbers below ``DENSE_X_LIMIT`` (frequencies, in practice) index themselves, with
    no hashing; anything else goes through ``pandas.factorize``, which hashes in linear time.
    """
    if len(values) and values.min() >= 0 and values.max() < DENSE_X_LIMIT:
        as_int = values.astype(np.intp)
        if np.array_equal(as_int, values):
            return as_int, np.arange(int(values.max()) + 1, dtype=np.float64)
    found, uniques = pd.factorize(values)
    return found, np.asarray(uniques, dtype=np.float64)


@dataclass(frozen=True)
class DistinctPairs:
    """The distinct ``(x, T)`` pairs of a summary; ``inverse`` maps each row to its pair.

    The BG/NBD expectation given that a customer is alive depends on ``x`` and ``T`` only,
    and its hypergeometric function is the costly part of every prediction: evaluating it
    once per pair (tens of thousands) instead of once per customer (millions) is the saving.
    """

    x: FloatArray
    T: FloatArray
    inverse: np.ndarray


def distinct_pairs(x: FloatArray, big_t: FloatArray) -> DistinctPairs:
    """Return the distinct ``(x, T)`` pairs of the rows."""
    x_codes, x_values = codes(x)
    T_codes, T_values = pd.factorize(big_t)
    T_values = np.asarray(T_values, dtype=np.float64)
    key = x_codes.astype(np.int64) * len(T_values) + T_codes
    space = len(x_values) * len(T_values)
    if space <= 4 * len(x) + 1_000_000:
        # Small key space: mark the keys present and number them, with no hashing.
        present = np.flatnonzero(np.bincount(key, minlength=space))
        number = np.empty(space, dtype=np.intp)
        number[present] = np.arange(len(present))
        keys, inverse = present, number[key]
    else:
        inverse, keys = pd.factorize(key)
        keys = np.asarray(keys, dtype=np.int64)
    return DistinctPairs(
        x=x_values[keys // len(T_values)], T=T_values[keys % len(T_values)], inverse=inverse
    )
