"""Gamma-Gamma: likelihood gradient, fit on repeat buyers only, the closed-form mean."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dangol.analytics.clv import gamma_gamma
from dangol.analytics.clv.errors import ClvErrorCode, ClvInputError, ClvNotFittedError
from dangol.analytics.clv.gamma_gamma import GammaGamma


def _spends(n: int, *, p: float, q: float, v: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (x, mean spend) drawn from the Gamma-Gamma process, x >= 1."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 12, n).astype(float)
    nu = rng.gamma(q, 1.0 / v, n)
    # The mean of x Gamma(p, nu) spends is Gamma(p x, nu x).
    return x, rng.gamma(p * x, 1.0 / (nu * x))


def test_analytic_gradient_matches_central_finite_differences():
    x, m = _spends(2000, p=6.0, q=3.7, v=15.0, seed=5)
    data = gamma_gamma._prepare(x, m)
    for point in ([6.25, 3.74, 15.44], [0.8, 1.5, 2.0], [30.0, 12.0, 90.0]):
        log_params = np.log(point)
        _, gradient = gamma_gamma._log_likelihood_and_gradient(log_params, data)
        step = 1e-6
        numeric = np.empty(3)
        for i in range(3):
            up, down = log_params.copy(), log_params.copy()
            up[i] += step
            down[i] -= step
            numeric[i] = (
                gamma_gamma._log_likelihood_and_gradient(up, data)[0]
                - gamma_gamma._log_likelihood_and_gradient(down, data)[0]
            ) / (2 * step)
        np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-4)


def test_fit_recovers_simulated_parameters():
    x, m = _spends(20_000, p=6.0, q=3.7, v=15.0, seed=9)

    model = GammaGamma().fit(x, m)

    assert model.converged_
    assert model.n_customers_ == 20_000
    assert model.p_ == pytest.approx(6.0, rel=0.1)
    assert model.q_ == pytest.approx(3.7, rel=0.1)
    assert model.v_ == pytest.approx(15.0, rel=0.15)


def test_fit_ignores_customers_without_repeat_purchases():
    x, m = _spends(3000, p=6.0, q=3.7, v=15.0, seed=2)

    repeat_only = GammaGamma().fit(x, m)
    with_zeros = GammaGamma().fit(
        np.concatenate([x, np.zeros(500)]), np.concatenate([m, np.zeros(500)])
    )

    assert with_zeros.n_customers_ == 3000
    assert with_zeros.params_ == repeat_only.params_


def test_expected_average_value_is_the_closed_form():
    model = GammaGamma()
    model.p_, model.q_, model.v_ = 6.25, 3.74, 15.44

    got = model.conditional_expected_average_profit([0, 1, 10], [0.0, 20.0, 50.0])

    population_mean = 6.25 * 15.44 / (3.74 - 1.0)
    assert got[0] == pytest.approx(population_mean, rel=1e-12)
    assert got[1] == pytest.approx(6.25 * (15.44 + 20.0) / (6.25 + 3.74 - 1.0), rel=1e-12)
    assert got[2] == pytest.approx(6.25 * (15.44 + 500.0) / (62.5 + 3.74 - 1.0), rel=1e-12)


def test_needs_two_repeat_buyers():
    with pytest.raises(ClvInputError) as excinfo:
        GammaGamma().fit([0, 0, 3], [0.0, 0.0, 10.0])
    assert excinfo.value.code == ClvErrorCode.EMPTY_INPUT


def test_rejects_zero_spend_of_a_repeat_buyer():
    with pytest.raises(ClvInputError) as excinfo:
        GammaGamma().fit([1, 2], [0.0, 10.0])
    assert excinfo.value.field == "monetary"


def test_predictions_need_a_fit():
    with pytest.raises(ClvNotFittedError):
        GammaGamma().conditional_expected_average_profit([1], [10.0])


def test_log_likelihood_is_the_density_of_the_mean_spends():
    x, m = _spends(50, p=6.0, q=3.7, v=15.0, seed=4)

    model = GammaGamma().fit(x, m)

    p, q, v = model.p_, model.q_, model.v_
    by_hand = sum(
        math.lgamma(p * xi + q) - math.lgamma(p * xi) - math.lgamma(q) + q * math.log(v)
        + (p * xi - 1) * math.log(mi) + p * xi * math.log(xi) - (p * xi + q) * math.log(v + xi * mi)
        for xi, mi in zip(x, m, strict=True)
    )  # fmt: skip
    assert model.log_likelihood_ == pytest.approx(by_hand, rel=1e-12)
