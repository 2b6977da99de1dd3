"""Errors of the OLAP query service."""

from __future__ import annotations

from enum import StrEnum

from dangol.core.errors import ValidationError


class OlapErrorCode(StrEnum):
    INVALID = "olap_invalid"
    NO_MEASURE = "olap_no_measure"
    UNKNOWN_MEASURE = "olap_unknown_measure"
    UNKNOWN_DIMENSION = "olap_unknown_dimension"


class OlapQueryError(ValidationError):
    """The query names something unknown or asks for something inconsistent."""

    code = OlapErrorCode.INVALID
