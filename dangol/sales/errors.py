"""Error codes of the sales domain."""

from enum import StrEnum

from dangol.core.errors import (
    ConflictError,
    DangolError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)


class SalesErrorCode(StrEnum):
    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    PERMISSION_DENIED = "permission_denied"
    DUPLICATE_NUMBER = "duplicate_number"
    UNKNOWN_CHANNEL = "unknown_channel"
    UNKNOWN_STATUS = "unknown_status"
    NO_LINES = "no_lines"
    INVALID_QUANTITY = "invalid_quantity"
    INVALID_AMOUNT = "invalid_amount"
    DISCOUNT_TOO_LARGE = "discount_too_large"
    INVALID_TRANSITION = "invalid_transition"
    STATUS_CONFLICT = "status_conflict"


__all__ = [
    "ConflictError",
    "DangolError",
    "NotFoundError",
    "PermissionDeniedError",
    "SalesErrorCode",
    "ValidationError",
]
