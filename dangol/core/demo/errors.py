"""Errors of the demo generator."""

from __future__ import annotations

from enum import StrEnum

from dangol.core.errors import DangolError


class DemoErrorCode(StrEnum):
    REFUSED = "demo_refused"
    INVALID_SIZE = "demo_invalid_size"


class DemoError(DangolError):
    """The demo cannot be generated as asked."""

    code = DemoErrorCode.INVALID_SIZE


class DemoRefusedError(DemoError):
    """The database already holds data and ``--reset`` was not given."""

    code = DemoErrorCode.REFUSED
