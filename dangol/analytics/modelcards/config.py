"""The settings of the predictive models, read at call time with their defaults."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # CLV: future window and yearly discount rate of the value written to customers.
    "clv_horizon_weeks": 52,
    "clv_discount_rate": 0.10,
    # CLV validation: the last weeks of the data held out from the calibration fit.
    "clv_holdout_weeks": 26,
    # Churn: a customer has churned when they buy nothing in the N days after a cutoff.
    "churn_days": 180,
    # Churn: share of customers in the "top k" of precision and recall at k.
    "churn_top_share": 0.10,
    # OpenMP threads of the churn model's training and scoring.
    "threads": 1,
}


def predictive_setting(name: str) -> Any:
    """Return ``settings.DANGOL_PREDICTIVE[name]`` or its default."""
    configured = getattr(settings, "DANGOL_PREDICTIVE", {}) or {}
    return configured.get(name, DEFAULTS[name])
