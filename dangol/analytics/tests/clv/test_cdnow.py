"""Reproduce the published CDNOW estimates from the raw CDNOW sample transactions.

Fader, Hardie & Lee (2005) fit BG/NBD to the 2,357-customer sample over a 39-week
calibration period (1997-01-01 to 1997-09-30), time in weeks: r = 0.243, alpha = 4.414,
a = 0.793, b = 2.426, log-likelihood -9582.4. ``lifetimes`` 0.11.3 gets r 0.2426, alpha
4.4135, a 0.7929, b 2.4258 from its (2-decimal) summary of the same data. Fader & Hardie
(2013) fit Gamma-Gamma to the 946 repeat buyers' mean repeat-purchase spend in the same
period: p = 6.25, q = 3.74, gamma = 15.44.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from dangol.analytics.clv.bgnbd import BetaGeo
from dangol.analytics.clv.gamma_gamma import GammaGamma
from dangol.analytics.clv.summary import summary_from_transactions

CDNOW_SAMPLE = Path(__file__).resolve().parent.parent / "data" / "CDNOW_sample.txt"


def cdnow_transactions() -> pd.DataFrame:
    """Return the CDNOW sample as a frame: customer, date (YYYYMMDD text), amount."""
    return pd.read_csv(
        CDNOW_SAMPLE,
        sep=r"\s+",
        header=None,
        names=["customer", "sample_id", "date", "cds", "amount"],
        dtype={"customer": str, "date": str},
    )[["customer", "date", "amount"]]


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return summary_from_transactions(
        source=cdnow_transactions(),
        customer_col="customer",
        date_col="date",
        amount_col="amount",
        date_format="%Y%m%d",
        calibration_end=dt.date(1997, 9, 30),
        time_unit="week",
    )


def test_summary_matches_the_published_summary(summary):
    assert len(summary) == 2357
    assert int((summary["frequency"] > 0).sum()) == 946
    assert int(summary["frequency"].sum()) == 2457  # repeat purchases in calibration
    # The first customer of FHL's spreadsheet (master id 00004): x 2, t_x 30.43, T 38.86,
    # mean repeat spend 22.35 (29.73 and 14.96).
    first = summary.set_index("customer_id").loc["00004"]
    assert first["frequency"] == 2
    assert first["recency"] == pytest.approx(213 / 7)
    assert first["T"] == pytest.approx(272 / 7)
    assert first["monetary"] == pytest.approx((29.73 + 14.96) / 2)


def test_bgnbd_reproduces_lifetimes_and_the_published_estimates(summary):
    model = BetaGeo().fit(summary["frequency"], summary["recency"], summary["T"])

    # Within 1e-3 of lifetimes 0.11.3 on the same data.
    assert model.r_ == pytest.approx(0.2426, abs=1e-3)
    assert model.alpha_ == pytest.approx(4.4135, abs=1e-3)
    assert model.a_ == pytest.approx(0.7929, abs=1e-3)
    assert model.b_ == pytest.approx(2.4258, abs=1e-3)
    # And the published figures to their 3 decimals.
    assert (round(model.r_, 3), round(model.alpha_, 3), round(model.a_, 3), round(model.b_, 3)) == (
        0.243,
        4.414,
        0.793,
        2.426,
    )
    assert round(model.log_likelihood_, 1) == -9582.4
    assert model.n_customers_ == 2357


def test_gamma_gamma_reproduces_the_published_estimates(summary):
    # Fit on the mean spend of the repeat days, unrounded. Tolerance: the note's 2 decimals,
    # i.e. within 0.005 of each published figure. (lifetimes' 2-decimal summary gives
    # v = 15.45 instead; the unrounded spends give the published 15.44.)
    model = GammaGamma().fit(summary["frequency"], summary["monetary"])

    assert model.n_customers_ == 946
    assert model.p_ == pytest.approx(6.25, abs=0.005)
    assert model.q_ == pytest.approx(3.74, abs=0.005)
    assert model.v_ == pytest.approx(15.44, abs=0.005)
