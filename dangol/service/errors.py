"""Error codes of customer service."""

from enum import StrEnum

from dangol.core.errors import (
    ConflictError,
    DangolError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)


class ServiceErrorCode(StrEnum):
    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    PERMISSION_DENIED = "permission_denied"
    UNKNOWN_CHOICE = "unknown_choice"
    INVALID_TRANSITION = "invalid_transition"
    TICKET_CLOSED = "ticket_closed"
    NOT_AN_AGENT = "not_an_agent"
    UNREADABLE_EMAIL = "unreadable_email"
    SURVEY_ANSWERED = "survey_answered"


__all__ = [
    "ConflictError",
    "DangolError",
    "NotFoundError",
    "PermissionDeniedError",
    "ServiceErrorCode",
    "ValidationError",
]
