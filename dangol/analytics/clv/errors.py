"""Error codes of the customer-lifetime-value models."""

from __future__ import annotations

from enum import StrEnum

from dangol.analytics.errors import AnalyticsInputError
from dangol.core.errors import DangolError


class ClvErrorCode(StrEnum):
    INVALID = "invalid"
    MISSING_COLUMN = "missing_column"
    UNPARSEABLE_VALUE = "unparseable_value"
    EMPTY_INPUT = "empty_input"
    CALIBRATION_END_TOO_EARLY = "calibration_end_too_early"
    INVALID_PARAMETER = "invalid_parameter"
    NOT_FITTED = "not_fitted"
    FIT_FAILED = "fit_failed"


class ClvInputError(AnalyticsInputError):
    """Transactions or summary arrays cannot be used as given; ``field`` names the culprit."""

    code = ClvErrorCode.INVALID


class ClvNotFittedError(DangolError):
    """A prediction was asked of a model that has not been fitted."""

    code = ClvErrorCode.NOT_FITTED


class ClvFitError(DangolError):
    """The likelihood could not be maximised (no finite optimum was found)."""

    code = ClvErrorCode.FIT_FAILED


__all__ = ["ClvErrorCode", "ClvFitError", "ClvInputError", "ClvNotFittedError"]
