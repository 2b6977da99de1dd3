"""Error base classes shared by every app's ``errors.py``."""

from __future__ import annotations

from enum import StrEnum


class DangolError(Exception):
    """A domain error with a stable machine-readable code and a human message."""

    code: StrEnum | str = "error"

    def __init__(self, message: str, *, code: StrEnum | str | None = None, field: str = ""):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class PermissionDeniedError(DangolError):
    """The acting user may not do this."""

    code = "permission_denied"


class ValidationError(DangolError):
    """Input was rejected; ``field`` names what was wrong."""

    code = "invalid"


class NotFoundError(DangolError):
    """The record does not exist or is not visible to the acting user."""

    code = "not_found"


class ConflictError(DangolError):
    """Someone else changed the record since it was read (optimistic locking)."""

    code = "conflict"
