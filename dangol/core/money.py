"""Parse money amounts the way every service validates them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from dangol.core.errors import ValidationError

AMOUNT_LIMIT = Decimal(10) ** 12  # DecimalField(max_digits=14, decimal_places=2)
CENT = Decimal("0.01")


def amount_parse(
    value: Any,
    *,
    field: str,
    invalid_code: str = "invalid_amount",
    negative_code: str = "negative_amount",
) -> Decimal:
    """Return ``value`` as a Decimal >= 0 with at most two decimal places.

    Floats are read through ``str`` so that ``0.1`` means 0.1, not its binary neighbour.

    :param field: the name the error reports (``unit_price``, ``lines[1].discount``).
    :param invalid_code: the error code for a value that is not a usable amount.
    :param negative_code: the error code for a negative amount.
    :raises ValidationError: naming ``field`` and the value given.
    """
    if isinstance(value, bool) or value is None or value == "":
        raise ValidationError(f"{field} must be an amount", code=invalid_code, field=field)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(
            f"{field} must be an amount, got {value!r}", code=invalid_code, field=field
        ) from exc
    if not amount.is_finite() or abs(amount) >= AMOUNT_LIMIT:
        raise ValidationError(
            f"{field} must be a finite amount below {AMOUNT_LIMIT:,}, got {value!r}",
            code=invalid_code,
            field=field,
        )
    if amount < 0:
        raise ValidationError(
            f"{field} may not be negative, got {amount}", code=negative_code, field=field
        )
    if amount != amount.quantize(CENT):
        raise ValidationError(
            f"{field} may have at most two decimal places, got {value!r}",
            code=invalid_code,
            field=field,
        )
    return amount.quantize(CENT)
