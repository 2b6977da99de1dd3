"""Error codes of the customers domain."""

from enum import StrEnum

from dangol.core.errors import (
    ConflictError,
    DangolError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)


class CustomerErrorCode(StrEnum):
    INVALID = "invalid"
    REQUIRED = "required"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    FIELD_NOT_EDITABLE = "field_not_editable"
    DUPLICATE_EXTERNAL_ID = "duplicate_external_id"
    INVALID_COMPANY = "invalid_company"
    VERSION_CONFLICT = "version_conflict"


__all__ = [
    "ConflictError",
    "CustomerErrorCode",
    "DangolError",
    "NotFoundError",
    "PermissionDeniedError",
    "ValidationError",
]
