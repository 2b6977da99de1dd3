"""Error codes of history, trash and privacy."""

from enum import StrEnum

from dangol.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError


class AuditErrorCode(StrEnum):
    PERMISSION_DENIED = "permission_denied"
    UNKNOWN_KIND = "unknown_kind"
    UNKNOWN_VERSION = "unknown_version"
    ALREADY_CURRENT = "already_current"
    MISSING_REFERENCE = "missing_reference"
    NOT_IN_TRASH = "not_in_trash"
    IN_TRASH = "in_trash"
    HAS_RECORDS = "has_protected_records"
    ERASED = "erased"
    CONFIRMATION = "confirmation_mismatch"
    VERSION_CONFLICT = "version_conflict"


__all__ = [
    "AuditErrorCode",
    "ConflictError",
    "NotFoundError",
    "PermissionDeniedError",
    "ValidationError",
]
