"""Error codes of imports and exports."""

from __future__ import annotations

from enum import StrEnum

from dangol.core.errors import DangolError, ValidationError


class IntegrationErrorCode(StrEnum):
    UNREADABLE_FILE = "unreadable_file"
    UNKNOWN_FORMAT = "unknown_format"
    MISSING_COLUMN = "missing_column"
    UNKNOWN_KIND = "unknown_kind"
    BAD_MAPPING = "bad_mapping"
    REJECTED_ROWS = "rejected_rows"


class ImportFileError(ValidationError):
    """The file as a whole cannot be imported (unreadable, wrong format, missing column)."""

    code = IntegrationErrorCode.UNREADABLE_FILE


class RejectedRowsError(DangolError):
    """Some rows were bad and the import ran all-or-nothing: nothing was written.

    ``result`` is the ``ImportResult`` with the rejects and the reject file's path.
    """

    code = IntegrationErrorCode.REJECTED_ROWS

    def __init__(self, message: str, *, result):
        super().__init__(message)
        self.result = result


__all__ = [
    "DangolError",
    "ImportFileError",
    "IntegrationErrorCode",
    "RejectedRowsError",
    "ValidationError",
]
