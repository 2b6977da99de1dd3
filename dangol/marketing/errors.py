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
    INVALID_RULE = "invalid_rule"
    REQUIRED = "required"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    WRONG_STATUS = "wrong_status"


class ReviewInputError(ValidationError):
    """A test's results cannot be reviewed as given; ``field`` names the culprit."""

    code = MarketingErrorCode.INVALID


class SegmentRuleError(ValidationError):
    """A segment rule is not valid; ``field`` is the JSON path of the culprit."""

    code = MarketingErrorCode.INVALID_RULE


__all__ = [
    "DangolError",
    "MarketingErrorCode",
    "ReviewInputError",
    "SegmentRuleError",
    "ValidationError",
]
