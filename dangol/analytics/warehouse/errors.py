"""Errors of the warehouse."""

from __future__ import annotations

from dangol.core.errors import ConflictError, DangolError, NotFoundError


class WarehouseMissing(NotFoundError):
    """No refresh has built a warehouse yet."""

    code = "warehouse_missing"


class WarehouseBusy(ConflictError):
    """Another refresh holds the refresh lock."""

    code = "warehouse_busy"


__all__ = ["DangolError", "WarehouseBusy", "WarehouseMissing"]
