"""From a transactions file to fitted CLV models and per-customer scores, in one call each.

The ``dangol clv`` command is a thin shell around these two functions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dangol.analytics.clv.bgnbd import BetaGeo
from dangol.analytics.clv.gamma_gamma import GammaGamma
from dangol.analytics.clv.summary import TimeUnit, summary_from_transactions
from dangol.analytics.clv.value import clv_scores

SCORE_COLUMNS = (
    "customer_id",
    "frequency",
    "recency",
    "T",
    "monetary",
    "p_alive",
    "expected_purchases",
    "expected_avg_value",
    "clv",
)


@dataclass(frozen=True)
class ClvFit:
    """Both fitted models and the per-customer summary they were fitted on."""

    summary: pd.DataFrame
    bgnbd: BetaGeo
    gamma_gamma: GammaGamma

    def as_dict(self) -> dict[str, object]:
        """Return the fit as the JSON-ready mapping ``dangol clv fit --json`` prints."""
        return {
            "bgnbd": {
                "r": self.bgnbd.r_,
                "alpha": self.bgnbd.alpha_,
                "a": self.bgnbd.a_,
                "b": self.bgnbd.b_,
                "loglik": self.bgnbd.log_likelihood_,
            },
            "gamma_gamma": {
                "p": self.gamma_gamma.p_,
                "q": self.gamma_gamma.q_,
                "v": self.gamma_gamma.v_,
            },
            "customers": len(self.summary),
        }


def clv_fit_from_transactions(
    *,
    source: str | Path | pd.DataFrame,
    customer_col: str,
    date_col: str,
    amount_col: str,
    calibration_end: dt.date,
    time_unit: TimeUnit = "week",
    date_format: str | None = None,
) -> ClvFit:
    """Summarise the transactions, then fit BG/NBD on everyone and Gamma-Gamma on repeat buyers.

    :raises ClvInputError: when the transactions cannot be summarised (see
        ``summary_from_transactions``) or hold too few repeat buyers.
    :raises ClvFitError: when a likelihood has no finite maximum.
    """
    summary = summary_from_transactions(
        source=source,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        calibration_end=calibration_end,
        time_unit=time_unit,
        date_format=date_format,
    )
    bgnbd = BetaGeo().fit(summary["frequency"], summary["recency"], summary["T"])
    gamma_gamma = GammaGamma().fit(summary["frequency"], summary["monetary"])
    return ClvFit(summary=summary, bgnbd=bgnbd, gamma_gamma=gamma_gamma)


def clv_score_from_transactions(
    *,
    source: str | Path | pd.DataFrame,
    customer_col: str,
    date_col: str,
    amount_col: str,
    calibration_end: dt.date,
    horizon: float,
    discount_rate: float,
    time_unit: TimeUnit = "week",
    date_format: str | None = None,
) -> pd.DataFrame:
    """Fit both models and return one scored row per customer, columns ``SCORE_COLUMNS``.

    :param horizon: future window in ``time_unit`` periods.
    :param discount_rate: discount rate per ``time_unit`` period.
    """
    fit = clv_fit_from_transactions(
        source=source,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        calibration_end=calibration_end,
        time_unit=time_unit,
        date_format=date_format,
    )
    summary = fit.summary
    scores = clv_scores(
        bgnbd=fit.bgnbd,
        gamma_gamma=fit.gamma_gamma,
        frequency=summary["frequency"],
        recency=summary["recency"],
        T=summary["T"],
        monetary=summary["monetary"],
        horizon=horizon,
        discount_rate=discount_rate,
    )
    return summary.assign(
        p_alive=scores.p_alive,
        expected_purchases=scores.expected_purchases,
        expected_avg_value=scores.expected_avg_value,
        clv=scores.clv,
    )[list(SCORE_COLUMNS)]
