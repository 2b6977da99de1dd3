"""Error codes of the touchpoints domain."""

from enum import StrEnum

from dangol.core.errors import DangolError, PermissionDeniedError, ValidationError


class TouchpointErrorCode(StrEnum):
    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    PERMISSION_DENIED = "permission_denied"
    UNKNOWN_CHANNEL = "unknown_channel"
    UNKNOWN_DIRECTION = "unknown_direction"


__all__ = ["DangolError", "PermissionDeniedError", "TouchpointErrorCode", "ValidationError"]
