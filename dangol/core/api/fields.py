"""Serializer fields and validators shared by the API modules."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from dangol.core.errors import NotFoundError

MAX_ID = 2**63 - 1  # ids are bigints
MAX_JSON_DEPTH = 5
MAX_JSON_ITEMS = 200


def _check_json(value: Any, depth: int, count: list[int]) -> None:
    count[0] += 1
    if depth > MAX_JSON_DEPTH or count[0] > MAX_JSON_ITEMS:
        raise serializers.ValidationError(
            _("Too large or too deeply nested (at most %(items)d values, %(depth)d levels)")
            % {"items": MAX_JSON_ITEMS, "depth": MAX_JSON_DEPTH},
            code="too_large",
        )
    if isinstance(value, str):
        if "\x00" in value:
            raise serializers.ValidationError(_("Text may not contain NUL characters"), code="null")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise serializers.ValidationError(
                _("Text may not contain unpaired surrogates"), code="surrogate"
            ) from exc
    elif isinstance(value, float) and not math.isfinite(value):
        raise serializers.ValidationError(_("Numbers must be finite"), code="invalid")
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


class VisibleRecordField(serializers.IntegerField):
    """An id read through a selector, so that what the user may not see does not exist."""

    def lookup(self, pk: int):
        """Return the record ``pk`` through a selector; raise ``NotFoundError`` if unseen."""
        raise NotImplementedError

    def to_internal_value(self, data):
        pk = super().to_internal_value(data)
        try:
            if not 0 < pk <= MAX_ID:
                raise NotFoundError("Ids are positive bigints")
            return self.lookup(pk)
        except NotFoundError as exc:
            raise serializers.ValidationError(
                f'Invalid pk "{pk}" - object does not exist.', code="does_not_exist"
            ) from exc

    def run_validators(self, value) -> None:
        # ``value`` is the record by now; the id was checked in ``to_internal_value``.
        return None
