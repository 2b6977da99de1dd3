"""Error codes of the portals."""

from enum import StrEnum

from dangol.core.errors import NotFoundError, PermissionDeniedError, ValidationError


class PortalErrorCode(StrEnum):
    INVALID = "invalid"
    PERMISSION_DENIED = "permission_denied"
    DUPLICATE_LOGIN = "duplicate_login"


__all__ = ["NotFoundError", "PermissionDeniedError", "PortalErrorCode", "ValidationError"]
