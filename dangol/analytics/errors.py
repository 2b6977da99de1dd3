"""Error codes of the analytics domain."""

from enum import StrEnum

from dangol.core.errors import DangolError, ValidationError


class AnalyticsErrorCode(StrEnum):
    INVALID = "invalid"
    MISSING_COLUMN = "missing_column"
    INVALID_PARAMETER = "invalid_parameter"
    UNREADABLE_INPUT = "unreadable_input"
    EMPTY_INPUT = "empty_input"


class AnalyticsInputError(ValidationError):
    """An input file or frame cannot be analysed as given; ``field`` names the culprit."""

    code = AnalyticsErrorCode.INVALID


__all__ = [
    "AnalyticsErrorCode",
    "AnalyticsInputError",
    "DangolError",
    "ValidationError",
]
