"""Error codes of custom fields."""

from enum import StrEnum

from dangol.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError


class CustomFieldErrorCode(StrEnum):
    INVALID = "invalid_custom_field"
    REQUIRED = "custom_field_required"
    UNKNOWN = "unknown_custom_field"
    ARCHIVED = "archived_custom_field"
    DUPLICATE_KEY = "duplicate_custom_field_key"
    CONFIRMATION_REQUIRED = "confirmation_required"
    PERMISSION_DENIED = "permission_denied"


__all__ = [
    "ConflictError",
    "CustomFieldErrorCode",
    "NotFoundError",
    "PermissionDeniedError",
    "ValidationError",
]
