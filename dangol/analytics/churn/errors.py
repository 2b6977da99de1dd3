"""Errors of the churn model."""

from __future__ import annotations

from enum import StrEnum

from dangol.analytics.errors import AnalyticsErrorCode, ValidationError


class ChurnErrorCode(StrEnum):
    NOT_ENOUGH_HISTORY = "not_enough_history"
    NO_MODEL = "no_model"
    ONE_CLASS = "one_class"


class ChurnError(ValidationError):
    """The churn model cannot be trained or applied on this data."""

    code = AnalyticsErrorCode.INVALID


__all__ = ["ChurnError", "ChurnErrorCode"]
