"""Normalise contact details so that lookups are exact and duplicates are found."""

from __future__ import annotations

import re

_NON_DIGITS = re.compile(r"\D+")


def normalize_email(value: str) -> str:
    """Return ``value`` stripped and lower-cased (how every email lookup compares)."""
    return (value or "").strip().lower()


def normalize_phone(value: str) -> str:
    """Return the phone number as national-format digits.

    ``+82 10-1234-5678``, ``82-10-1234-5678`` and ``010 1234 5678`` all become
    ``01012345678``: Korean numbers are stored as written but searched by these digits.
    """
    digits = _NON_DIGITS.sub("", value or "")
    if digits.startswith("82") and len(digits) >= 11 and not digits.startswith("820"):
        digits = "0" + digits[2:]
    elif digits.startswith("820"):
        digits = digits[2:]
    return digits[:20]
