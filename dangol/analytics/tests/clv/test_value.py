"""Customer lifetime value: the discounted sum of expected purchases times expected value."""

from __future__ import annotations

import numpy as np
import pytest

from dangol.analytics.clv.bgnbd import BetaGeo
from dangol.analytics.clv.errors import ClvInputError, ClvNotFittedError
from dangol.analytics.clv.gamma_gamma import GammaGamma
from dangol.analytics.clv.value import clv_scores, customer_lifetime_value


@pytest.fixture
def models() -> tuple[BetaGeo, GammaGamma]:
    bg = BetaGeo()
    bg.r_, bg.alpha_, bg.a_, bg.b_ = 0.243, 4.414, 0.793, 2.426
    gg = GammaGamma()
    gg.p_, gg.q_, gg.v_ = 6.25, 3.74, 15.44
    return bg, gg


CUSTOMERS = {
    "frequency": np.array([0.0, 2.0, 2.0, 7.0]),
    "recency": np.array([0.0, 30.0, 30.0, 35.0]),
    "T": np.array([38.0, 38.0, 38.0, 36.0]),
    "monetary": np.array([0.0, 20.0, 40.0, 55.0]),
}


def test_clv_is_the_discounted_sum_of_period_purchases(models):
    bg, gg = models
    x, t_x, T, m = CUSTOMERS.values()

    clv = customer_lifetime_value(
        bgnbd=bg, gamma_gamma=gg, **CUSTOMERS, horizon=3, discount_rate=0.1
    )

    cumulative = [
        bg.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T) for t in (0, 1, 2, 3)
    ]
    by_hand = sum(
        (cumulative[i] - cumulative[i - 1]) / 1.1**i for i in (1, 2, 3)
    ) * gg.conditional_expected_average_profit(x, m)
    np.testing.assert_allclose(clv, by_hand, rtol=1e-12)
    # Customers 1 and 2 differ only in spend, so only in value.
    assert clv[2] / clv[1] == pytest.approx(
        gg.conditional_expected_average_profit([2], [40.0])[0]
        / gg.conditional_expected_average_profit([2], [20.0])[0]
    )


def test_undiscounted_clv_is_expected_purchases_times_value(models):
    bg, gg = models

    scores = clv_scores(bgnbd=bg, gamma_gamma=gg, **CUSTOMERS, horizon=52, discount_rate=0.0)

    x, t_x, T, m = CUSTOMERS.values()
    purchases = bg.conditional_expected_number_of_purchases_up_to_time(52, x, t_x, T)
    value = gg.conditional_expected_average_profit(x, m)
    np.testing.assert_allclose(scores.expected_purchases, purchases, rtol=1e-12)
    np.testing.assert_allclose(scores.expected_avg_value, value, rtol=1e-12)
    np.testing.assert_allclose(scores.clv, purchases * value, rtol=1e-10)
    np.testing.assert_allclose(
        scores.p_alive, bg.conditional_probability_alive(x, t_x, T), rtol=1e-12
    )


def test_a_partial_last_period_ends_at_the_horizon(models):
    bg, gg = models

    clv = customer_lifetime_value(
        bgnbd=bg, gamma_gamma=gg, **CUSTOMERS, horizon=2.5, discount_rate=0.0
    )
    whole = clv_scores(bgnbd=bg, gamma_gamma=gg, **CUSTOMERS, horizon=2.5, discount_rate=0.0)

    x, t_x, T, m = CUSTOMERS.values()
    purchases = bg.conditional_expected_number_of_purchases_up_to_time(2.5, x, t_x, T)
    np.testing.assert_allclose(whole.expected_purchases, purchases, rtol=1e-12)
    np.testing.assert_allclose(
        clv, purchases * gg.conditional_expected_average_profit(x, m), rtol=1e-10
    )


@pytest.mark.parametrize(
    ("horizon", "discount_rate", "field"),
    [(0, 0.0, "horizon"), (-3, 0.0, "horizon"), (10, -1.0, "discount_rate")],
)
def test_rejects_bad_horizon_or_rate(models, horizon, discount_rate, field):
    bg, gg = models
    with pytest.raises(ClvInputError) as excinfo:
        customer_lifetime_value(
            bgnbd=bg, gamma_gamma=gg, **CUSTOMERS, horizon=horizon, discount_rate=discount_rate
        )
    assert excinfo.value.field == field


def test_needs_fitted_models(models):
    bg, _ = models
    with pytest.raises(ClvNotFittedError):
        clv_scores(bgnbd=bg, gamma_gamma=GammaGamma(), **CUSTOMERS, horizon=4, discount_rate=0.0)
