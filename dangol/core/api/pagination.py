"""Opaque cursors over the keyset pages of the selectors (``dangol.core.pagination``).

A cursor encodes the direction and the id to seek from; clients pass back the
``next_cursor``/``previous_cursor`` they were given and never build one themselves.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from dangol.core.api.read import output_data
from dangol.core.pagination import Page

MAX_PAGE_SIZE = 100
CURSOR_PARAM = "cursor"
_AFTER, _BEFORE = "a", "b"
# Ids are bigints; a cursor beyond that cannot be real.
_MAX_ID = 2**63 - 1


def encode_cursor(*, after: int | None = None, before: int | None = None) -> str:
    """Return the opaque cursor that seeks past ``after`` (or back before ``before``)."""
    raw = f"{_AFTER}:{after}" if after is not None else f"{_BEFORE}:{before}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int | None, int | None]:
    """Return ``(after, before)`` from an opaque cursor.

    :raises serializers.ValidationError: the cursor was not made by ``encode_cursor``.
    """
    invalid = serializers.ValidationError(_("Invalid cursor"), code="invalid_cursor")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        direction, _sep, value = raw.partition(":")
        number = int(value)
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise invalid from exc
    if direction not in (_AFTER, _BEFORE) or not 0 < number <= _MAX_ID:
        raise invalid
    return (number, None) if direction == _AFTER else (None, number)


class CursorQuerySerializer(serializers.Serializer):
    """The query parameters every list endpoint takes."""

    cursor = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="An opaque `next_cursor` or `previous_cursor` from an earlier page.",
    )
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        help_text="Items per page (default 25, at most 100).",
    )

    def validate_cursor(self, value: str) -> str:
        if value:
            decode_cursor(value)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        cursor = attrs.pop("cursor", "")
        after, before = decode_cursor(cursor) if cursor else (None, None)
        attrs["after"], attrs["before"] = after, before
        attrs["size"] = attrs.pop("page_size", None) or settings.DANGOL_PAGE_SIZE
        return attrs


def cursor_page_serializer(item: type[serializers.Serializer], name: str) -> type:
    """Return a serializer class for a page of ``item``s (named ``name`` in the schema)."""
    attrs = {
        "results": item(many=True),
        "next": serializers.URLField(allow_null=True, help_text="The next page, if any."),
        "previous": serializers.URLField(allow_null=True, help_text="The page before, if any."),
        "next_cursor": serializers.CharField(allow_null=True),
        "previous_cursor": serializers.CharField(allow_null=True),
        "Meta": type("Meta", (), {"ref_name": name}),
    }
    return type(name, (serializers.Serializer,), attrs)


def page_data(*, request: Request, page: Page, item: type[serializers.Serializer]) -> dict:
    """Return the JSON body of ``page`` with links that carry the other query parameters."""
    url = request.build_absolute_uri()
    next_cursor = encode_cursor(after=page.next_cursor) if page.has_next else None
    prev_cursor = encode_cursor(before=page.prev_cursor) if page.has_prev else None

    def link(cursor: str | None) -> str | None:
        if cursor is None:
            return None
        return replace_query_param(url, CURSOR_PARAM, cursor)

    return {
        "results": output_data(item, page.items, many=True, context={"request": request}),
        "next": link(next_cursor),
        "previous": link(prev_cursor),
        "next_cursor": next_cursor,
        "previous_cursor": prev_cursor,
    }


__all__ = [
    "CursorQuerySerializer",
    "cursor_page_serializer",
    "decode_cursor",
    "encode_cursor",
    "page_data",
]
