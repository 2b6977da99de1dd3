"""Error codes of workflow automation."""

from enum import StrEnum

from dangol.core.errors import (
    ConflictError,
    DangolError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)


class AutomationErrorCode(StrEnum):
    INVALID = "automation_invalid"
    REQUIRED = "automation_required"
    UNKNOWN_CHOICE = "automation_unknown_choice"
    INVALID_CONDITION = "automation_invalid_condition"
    INVALID_ACTION = "automation_invalid_action"
    INVALID_TRIGGER = "automation_invalid_trigger"
    PERMISSION_DENIED = "automation_permission_denied"
    NOT_FOUND = "automation_not_found"
    ACTION_FAILED = "automation_action_failed"


__all__ = [
    "AutomationErrorCode",
    "ConflictError",
    "DangolError",
    "NotFoundError",
    "PermissionDeniedError",
    "ValidationError",
]
