"""Serializer fields and validators shared by the API modules."""

from __future__ import annotations

import math
from typing import Any

from rest_framework import serializers

MAX_JSON_DEPTH = 5
MAX_JSON_ITEMS = 200


def _check_json(value: Any, depth: int, count: list[int]) -> None:
    count[0] += 1
    if depth > MAX_JSON_DEPTH or count[0] > MAX_JSON_ITEMS:
        raise serializers.ValidationError(
            f"Too large or too deeply nested (at most {MAX_JSON_ITEMS} values, "
            f"{MAX_JSON_DEPTH} levels)",
            code="too_large",
        )
    if isinstance(value, str):
        if "\x00" in value:
            raise serializers.ValidationError("Text may not contain NUL characters", code="null")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise serializers.ValidationError(
                "Text may not contain unpaired surrogates", code="surrogate"
            ) from exc
    elif isinstance(value, float) and not math.isfinite(value):
        raise serializers.ValidationError("Numbers must be finite", code="invalid")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(key, depth + 1, count)
            _check_json(item, depth + 1, count)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1, count)


def storable_json(value: Any) -> None:
    """Reject JSON that no database column here can store (NUL, lone surrogates) or huge."""
    _check_json(value, 0, [0])


class CustomFieldsField(serializers.DictField):
    """Administrator-defined fields: an object of names to JSON values."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", serializers.JSONField())
        kwargs.setdefault("validators", [storable_json])
        super().__init__(**kwargs)
