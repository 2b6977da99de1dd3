"""HTTP details the API views share: ETags and ``If-Match`` for optimistic locking."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.request import Request

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')

IF_MATCH_PARAMETER = OpenApiParameter(
    name="If-Match",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description='The `ETag` (record version) you read, e.g. `"3"`; a newer version '
    "on the server answers 412 instead of overwriting someone else's change.",
)


def etag(version: int) -> str:
    """Return the strong ETag of a record version."""
    return f'"{version}"'


def if_match_version(request: Request) -> int | None:
    """Return the version named by ``If-Match``, ``None`` without one (``*`` is any).

    :raises exceptions.ValidationError: the header is not a version this API issued.
    """
    value = request.headers.get("If-Match", "").strip()
    if not value or value == "*":
        return None
    match = _ETAG.match(value)
    if match is None:
        raise exceptions.ValidationError(
            {"If-Match": [_('Expected an ETag from this API, such as "3"')]}, code="invalid"
        )
    return int(match.group(1))
