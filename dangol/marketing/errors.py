"""Error codes of the marketing domain."""

from enum import StrEnum

from dangol.core.errors import DangolError, ValidationError


class MarketingErrorCode(StrEnum):
    INVALID = "invalid"
    INVALID_PARAMETER = "invalid_parameter"
    UNREADABLE_INPUT = "unreadable_input"
    EMPTY_INPUT = "empty_input"
    MISSING_COLUMN = "missing_column"
    MISSING_ARM = "missing_arm"
    CONTROL_NOT_FOUND = "control_not_found"
    NO_TREATMENT = "no_treatment"
    INVALID_RESPONSE = "invalid_response"
    INVALID_VALUE = "invalid_value"
    INVALID_GROUP = "invalid_group"


class ReviewInputError(ValidationError):
    """A test's results cannot be reviewed as given; ``field`` names the culprit."""

    code = MarketingErrorCode.INVALID


__all__ = [
    "DangolError",
    "MarketingErrorCode",
    "ReviewInputError",
    "ValidationError",
]
