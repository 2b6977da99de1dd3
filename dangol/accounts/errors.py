"""Error codes of the accounts domain (users, teams, API tokens)."""

from enum import StrEnum

from dangol.core.errors import NotFoundError, PermissionDeniedError, ValidationError


class AccountErrorCode(StrEnum):
    INVALID = "invalid"
    REQUIRED = "required"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    WEAK_PASSWORD = "weak_password"  # noqa: S105 (an error code)
    LOGIN_LOCKED = "login_locked"


__all__ = ["AccountErrorCode", "NotFoundError", "PermissionDeniedError", "ValidationError"]
