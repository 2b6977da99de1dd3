"""Error codes of the catalog domain."""

from enum import StrEnum

from dangol.core.errors import DangolError, NotFoundError, PermissionDeniedError, ValidationError


class CatalogErrorCode(StrEnum):
    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    PERMISSION_DENIED = "permission_denied"
    DUPLICATE_SKU = "duplicate_sku"
    DUPLICATE_CATEGORY = "duplicate_category"
    EMPTY_CATEGORY_SEGMENT = "empty_category_segment"
    INVALID_AMOUNT = "invalid_amount"
    NEGATIVE_AMOUNT = "negative_amount"


__all__ = [
    "CatalogErrorCode",
    "DangolError",
    "NotFoundError",
    "PermissionDeniedError",
    "ValidationError",
]
