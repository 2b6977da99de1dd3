"""HTTP details the API views share: ETags and ``If-Match`` for optimistic locking.

A write to a versioned record (customer, ticket, opportunity) must say which version the
client read: ``If-Match: "<version>"`` (the ``ETag`` of its GET) or ``"version"`` in the
body. A stale ``If-Match`` answers 412 naming the current version; neither answers 428,
so a client that never read the record cannot silently overwrite someone else's change.
``If-Match: *`` is the explicit "whatever is stored now" (last writer wins, on purpose).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.request import Request

from dangol.core.api.exceptions import PreconditionFailed, PreconditionRequired
from dangol.core.errors import ConflictError

T = TypeVar("T")

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')

IF_MATCH_PARAMETER = OpenApiParameter(
    name="If-Match",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description='The `ETag` (record version) you read, e.g. `"3"`; a newer version '
    "on the server answers 412 instead of overwriting someone else's change. A write "
    "with neither this header nor `version` in the body answers 428; `*` writes over "
    "whatever is stored.",
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


def _is_version_conflict(exc: ConflictError) -> bool:
    return exc.field == "version" or str(exc.code) == "version_conflict"


def precondition_write(
    request: Request,
    *,
    record,
    body_version: int | None,
    authorize: Callable[[], None],
    write: Callable[[int], T],
) -> T:
    """Return ``write(expected_version)`` guarded by the version the client read.

    ``authorize()`` runs first and raises ``PermissionDeniedError`` when the actor may
    not make this write: a user without the right gets 403 whatever they sent, and only
    someone allowed to write learns about the precondition (428, 412).

    The version comes from ``If-Match`` (checked here against ``record.version``, read by
    the view) or else from the body. A version conflict the service finds (someone saved
    between our read and its locked write) is a 412 too when ``If-Match`` was sent.

    :raises PermissionDeniedError: from ``authorize`` (403), before any version check.
    :raises PreconditionFailed: ``If-Match`` names a version that is not current (412).
    :raises PreconditionRequired: neither ``If-Match`` nor a body ``version`` (428).
    """
    authorize()
    header = request.headers.get("If-Match", "").strip()
    header_version = if_match_version(request)
    if header_version is not None:
        if header_version != record.version:
            raise PreconditionFailed(current_version=record.version)
        expected = header_version
    elif body_version is not None:
        expected = body_version
    elif header == "*":
        expected = record.version
    else:
        raise PreconditionRequired()
    try:
        return write(expected)
    except ConflictError as exc:
        if header and _is_version_conflict(exc):
            current = (
                type(record).objects.filter(pk=record.pk).values_list("version", flat=True).first()
            )
            raise PreconditionFailed(current_version=current) from exc
        raise
