"""Error codes of the web-analytics reports."""

from __future__ import annotations

from enum import StrEnum

from dangol.core.errors import ValidationError


class ReportErrorCode(StrEnum):
    INVALID_PARAMETER = "invalid_parameter"
    UNKNOWN_REPORT = "unknown_report"


class ReportParameterError(ValidationError):
    """A report parameter was rejected; ``field`` names it, the message says why."""

    code = ReportErrorCode.INVALID_PARAMETER
