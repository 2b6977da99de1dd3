"""BG/NBD: likelihood, gradient, numerical edge cases and the closed-form predictions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from dangol.analytics.clv import bgnbd
from dangol.analytics.clv.bgnbd import BetaGeo
from dangol.analytics.clv.errors import ClvInputError, ClvNotFittedError
from dangol.analytics.clv.simulate import bgnbd_simulate

PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def _fitted(**params: float) -> BetaGeo:
    """Return a model with the given parameters set as if fitted."""
    model = BetaGeo()
    model.r_, model.alpha_, model.a_, model.b_ = (params or PARAMS).values()
    return model


def _direct_log_likelihood(x: int, t_x: float, T: float, r: float, alpha: float, a: float,
                           b: float) -> float:  # fmt: skip
    """Fader, Hardie & Lee (2005) eq. 6, term by term in plain floating point."""
    beta = math.gamma
    first = (
        beta(a) * beta(b + x) / beta(a + b + x) / (beta(a) * beta(b) / beta(a + b))
        * beta(r + x) * alpha**r / (beta(r) * (alpha + T) ** (r + x))
    )  # fmt: skip
    second = 0.0
    if x > 0:
        second = (
            beta(a + 1) * beta(b + x - 1) / beta(a + b + x) / (beta(a) * beta(b) / beta(a + b))
            * beta(r + x) * alpha**r / (beta(r) * (alpha + t_x) ** (r + x))
        )  # fmt: skip
    return math.log(first + second)


def test_log_likelihood_matches_the_published_formula_on_a_hand_case():
    x = [0, 1, 2, 5]
    t_x = [0.0, 3.0, 20.5, 30.0]
    T = [38.0, 20.0, 38.5, 31.0]
    model = _fitted()

    total = model.log_likelihood(x, t_x, T)

    expected = sum(_direct_log_likelihood(*row, **PARAMS) for row in zip(x, t_x, T, strict=True))
    assert total == pytest.approx(expected, rel=1e-12)


def test_frequency_zero_customers_have_the_closed_form_likelihood():
    # With x = 0 the likelihood is (alpha / (alpha + T))^r: no purchase, whatever p.
    T = np.array([1.0, 10.0, 52.0, 500.0])
    model = _fitted()

    total = model.log_likelihood(np.zeros(4), np.zeros(4), T)

    expected = float(np.sum(PARAMS["r"] * np.log(PARAMS["alpha"] / (PARAMS["alpha"] + T))))
    assert total == pytest.approx(expected, rel=1e-12)


def test_analytic_gradient_matches_central_finite_differences():
    x, t_x, T = bgnbd_simulate(n=3000, **PARAMS, T_days=np.arange(3000) % 300 + 30, seed=7)
    data = bgnbd._prepare(x, t_x, T, np.ones_like(x))
    for point in ([0.243, 4.414, 0.793, 2.426], [1.5, 0.7, 3.0, 0.4], [0.05, 40.0, 0.2, 9.0]):
        log_params = np.log(point)
        _, gradient = bgnbd._log_likelihood_and_gradient(log_params, data)
        step = 1e-6
        numeric = np.empty(4)
        for i in range(4):
            up, down = log_params.copy(), log_params.copy()
            up[i] += step
            down[i] -= step
            numeric[i] = (
                bgnbd._log_likelihood_and_gradient(up, data)[0]
                - bgnbd._log_likelihood_and_gradient(down, data)[0]
            ) / (2 * step)
        np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-4)


def test_huge_purchase_counts_stay_finite():
    # gamma(r + x) alone overflows a float past x ~ 170; everything must stay in log space.
    x = np.array([0.0, 200.0, 1e5, 1e7])
    t_x = np.array([0.0, 30.0, 38.0, 39.0])
    T = np.array([39.0, 39.0, 39.0, 39.0])
    model = _fitted()

    assert np.isfinite(model.log_likelihood(x, t_x, T))
    p_alive = model.conditional_probability_alive(x, t_x, T)
    expected = model.conditional_expected_number_of_purchases_up_to_time(10.0, x, t_x, T)

    assert np.all((p_alive >= 0) & (p_alive <= 1))
    assert np.all(np.isfinite(expected))
    # 1e7 purchases, the last one at T: alive (p = 1 / (1 + a / (b + x - 1))), and buying at
    # the posterior mean rate (r + x) / (alpha + T) less the little dropout ahead.
    assert p_alive[3] == pytest.approx(1.0 / (1.0 + PARAMS["a"] / (PARAMS["b"] + 1e7 - 1)))
    full_rate = (PARAMS["r"] + 1e7) / (PARAMS["alpha"] + 39.0) * 10.0
    assert 0.85 * full_rate < expected[3] < full_rate
    # Silent for 9 weeks after 200 purchases in 30, or for 1 week after 1e5 in 38: gone.
    assert p_alive[1] < 1e-10
    assert p_alive[2] == 0.0
    assert expected[2] == 0.0


def test_fit_on_all_frequency_zero_data_stays_finite():
    # No repeat buyers: the likelihood still has a well-defined (r, alpha) direction and
    # the fit must not blow up on the empty dropout branch.
    T = np.linspace(1.0, 50.0, 200)
    model = BetaGeo().fit(np.zeros(200), np.zeros(200), T)

    assert np.isfinite(model.log_likelihood_)
    assert all(np.isfinite(v) and v > 0 for v in model.params_.values())


def test_fit_recovers_simulated_parameters():
    truth = {"r": 0.5, "alpha": 6.0, "a": 1.2, "b": 3.5}
    x, t_x, T = bgnbd_simulate(n=40_000, **truth, T_days=np.arange(40_000) % 365 + 180, seed=11)

    model = BetaGeo().fit(x, t_x, T)

    assert model.converged_
    for name, value in truth.items():
        assert model.params_[name] == pytest.approx(value, rel=0.15), name


def test_weights_are_the_same_as_repeating_rows():
    x, t_x, T = bgnbd_simulate(n=2000, **PARAMS, T_days=200, seed=3)
    weights = np.arange(2000) % 3 + 1

    weighted = BetaGeo().fit(x, t_x, T, weights=weights)
    repeated = BetaGeo().fit(np.repeat(x, weights), np.repeat(t_x, weights), np.repeat(T, weights))

    assert weighted.n_customers_ == repeated.n_customers_ == int(weights.sum())
    for name in PARAMS:
        assert weighted.params_[name] == pytest.approx(repeated.params_[name], rel=1e-6)
    assert weighted.log_likelihood_ == pytest.approx(repeated.log_likelihood_, rel=1e-9)


def test_probability_alive_matches_the_closed_form():
    r, alpha, a, b = PARAMS.values()
    model = _fitted()

    p = model.conditional_probability_alive([0, 1, 3], [0.0, 2.0, 10.0], [20.0, 20.0, 30.0])

    def by_hand(x: int, t_x: float, T: float) -> float:
        return 1.0 / (1.0 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))

    assert p[0] == 1.0
    assert p[1] == pytest.approx(by_hand(1, 2.0, 20.0), rel=1e-12)
    assert p[2] == pytest.approx(by_hand(3, 10.0, 30.0), rel=1e-12)


def test_conditional_expectation_matches_the_published_formula():
    # FHL (2005) eq. 10 with the hypergeometric function as published; the implementation
    # uses Euler's transformation of it, so this checks that rewrite.
    r, alpha, a, b = PARAMS.values()
    model = _fitted()
    x = np.array([0.0, 1.0, 4.0])
    t_x = np.array([0.0, 5.0, 25.0])
    T = np.array([30.0, 30.0, 32.0])
    t = 13.0

    got = model.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T)

    z = t / (alpha + T + t)
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    numerator = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
    expected = numerator * model.conditional_probability_alive(x, t_x, T)
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_unconditional_expectation_matches_formula_and_rate_at_zero():
    r, alpha, a, b = PARAMS.values()
    model = _fitted()
    t = np.array([1e-6, 1.0, 52.0])

    got = model.expected_number_of_purchases_up_to_time(t)

    hyp = special.hyp2f1(r, b, a + b - 1, t / (alpha + t))
    expected = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    # Everyone is alive at the start and buys at mean rate r / alpha.
    assert got[0] / 1e-6 == pytest.approx(r / alpha, rel=1e-5)


def test_new_customer_conditional_expectation_equals_unconditional():
    # x = 0 at T = 0 carries no information: the two formulas must agree.
    model = _fitted()

    conditional = model.conditional_expected_number_of_purchases_up_to_time(26.0, [0], [0], [0])

    assert conditional[0] == pytest.approx(model.expected_number_of_purchases_up_to_time(26.0))


def test_predictions_need_a_fit():
    with pytest.raises(ClvNotFittedError):
        BetaGeo().conditional_probability_alive([1], [1.0], [2.0])


@pytest.mark.parametrize(
    ("x", "t_x", "T", "field"),
    [
        ([1], [3.0], [2.0], "recency"),  # last purchase after the end
        ([0], [1.0], [2.0], "recency"),  # recency without a repeat purchase
        ([-1], [0.0], [2.0], "frequency"),
        ([1.5], [1.0], [2.0], "frequency"),
        ([1], [float("nan")], [2.0], "recency"),
    ],
)
def test_invalid_summaries_are_rejected(x, t_x, T, field):
    with pytest.raises(ClvInputError) as excinfo:
        BetaGeo().fit(x, t_x, T)
    assert excinfo.value.field == field


def test_expectations_are_continuous_through_a_equal_one():
    # (a + b + x - 1) / (a - 1) is 0 / 0 at a = 1; the limit must be returned there.
    values = []
    for a in (1.0 - 1e-3, 1.0, 1.0 + 1e-3):
        model = _fitted(r=0.5, alpha=5.0, a=a, b=3.0)
        values.append(
            [
                *model.conditional_expected_number_of_purchases_up_to_time(
                    10.0, [0, 3], [0, 8], [20, 20]
                ),
                model.expected_number_of_purchases_up_to_time(10.0),
            ]
        )

    assert np.all(np.isfinite(values[1]))
    np.testing.assert_allclose(values[1], (np.array(values[0]) + values[2]) / 2, rtol=1e-5)
