"""Customer lifetime value from a fitted BG/NBD and Gamma-Gamma pair.

CLV over a horizon of ``H`` periods with a discount rate ``d`` per period is the standard
discounted sum::

    CLV = sum_{i=1..n} (E[N(T, T + t_i)] - E[N(T, T + t_{i-1})]) * E[spend] / (1 + d)^i

with ``t_i = min(i * period, H)``, ``n = ceil(H / period)``, ``E[N(T, T + t)]`` the BG/NBD
conditional expected purchases and ``E[spend]`` the Gamma-Gamma conditional expected
average value. The costly part, E[purchases | alive], is computed once per distinct
``(x, T)`` pair and discounted there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dangol.analytics.clv._rows import FloatArray, as_float_array, distinct_pairs, validate_summary
from dangol.analytics.clv.bgnbd import BetaGeo
from dangol.analytics.clv.errors import ClvErrorCode, ClvInputError
from dangol.analytics.clv.gamma_gamma import GammaGamma


@dataclass(frozen=True)
class ClvScores:
    """Per-customer predictions, one array entry per input row."""

    p_alive: FloatArray
    expected_purchases: FloatArray
    expected_avg_value: FloatArray
    clv: FloatArray


def _check_horizon(horizon: float, discount_rate: float, period: float) -> None:
    if not (math.isfinite(horizon) and horizon > 0):
        raise ClvInputError(
            "horizon must be > 0", field="horizon", code=ClvErrorCode.INVALID_PARAMETER
        )
    if not (math.isfinite(discount_rate) and discount_rate > -1):
        raise ClvInputError(
            "discount rate must be > -1",
            field="discount_rate",
            code=ClvErrorCode.INVALID_PARAMETER,
        )
    if not (math.isfinite(period) and period > 0):
        raise ClvInputError(
            "period must be > 0", field="period", code=ClvErrorCode.INVALID_PARAMETER
        )


def clv_scores(
    *,
    bgnbd: BetaGeo,
    gamma_gamma: GammaGamma,
    frequency: object,
    recency: object,
    T: object,
    monetary: object,
    horizon: float,
    discount_rate: float,
    period: float = 1.0,
) -> ClvScores:
    """Return P(alive), expected purchases over the horizon, expected value and CLV.

    :param bgnbd: a fitted ``BetaGeo``.
    :param gamma_gamma: a fitted ``GammaGamma``.
    :param horizon: length of the future window, in the time unit of the summary.
    :param discount_rate: discount rate per ``period`` (0.01 = 1 %).
    :param period: length of one discounting step, in the time unit of the summary.
    """
    _check_horizon(horizon, discount_rate, period)
    bgnbd._check_fitted()
    gamma_gamma._check_fitted()
    x, t_x, big_t = validate_summary(frequency, recency, T)
    m = as_float_array(monetary, name="monetary")
    if len(m) != len(x):
        raise ClvInputError("monetary must have one value per customer", field="monetary")
    # E[purchases | alive] depends on (x, T) only: discount it per distinct pair, then scale
    # each customer's by P(alive) and expected spend.
    pairs = distinct_pairs(x, big_t)
    steps = math.ceil(horizon / period - 1e-9)
    previous = np.zeros(len(pairs.x))
    discounted = np.zeros(len(pairs.x))
    for i in range(1, steps + 1):
        cumulative = bgnbd._expected_purchases_if_alive(min(i * period, horizon), pairs.x, pairs.T)
        discounted += (cumulative - previous) / (1.0 + discount_rate) ** i
        previous = cumulative

    value = gamma_gamma.conditional_expected_average_profit(x, m)
    p_alive = bgnbd.conditional_probability_alive(x, t_x, big_t)
    return ClvScores(
        p_alive=p_alive,
        expected_purchases=previous[pairs.inverse] * p_alive,
        expected_avg_value=value,
        clv=discounted[pairs.inverse] * p_alive * value,
    )


def customer_lifetime_value(
    *,
    bgnbd: BetaGeo,
    gamma_gamma: GammaGamma,
    frequency: object,
    recency: object,
    T: object,
    monetary: object,
    horizon: float,
    discount_rate: float,
    period: float = 1.0,
) -> FloatArray:
    """Return each customer's discounted expected value over ``horizon`` (see module doc)."""
    return clv_scores(
        bgnbd=bgnbd,
        gamma_gamma=gamma_gamma,
        frequency=frequency,
        recency=recency,
        T=T,
        monetary=monetary,
        horizon=horizon,
        discount_rate=discount_rate,
        period=period,
    ).clv
