"""Turn every exception an API view raises into a problem+json response.

Domain errors from services map to HTTP statuses here, so services stay free of HTTP:
``ValidationError`` 400, ``PermissionDeniedError`` 403, ``NotFoundError`` 404,
``ConflictError`` 409. Anything unexpected is logged and becomes a bare 500 (no trace).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import DataError, IntegrityError
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from dangol.core import errors as domain
from dangol.core.api.problems import (
    PROBLEM_CONTENT_TYPE,
    first_code,
    flatten_errors,
    problem_body,
)

logger = logging.getLogger("dangol.api")

DOMAIN_STATUS: list[tuple[type[domain.DangolError], int]] = [
    (domain.ValidationError, status.HTTP_400_BAD_REQUEST),
    (domain.PermissionDeniedError, status.HTTP_403_FORBIDDEN),
    (domain.NotFoundError, status.HTTP_404_NOT_FOUND),
    (domain.ConflictError, status.HTTP_409_CONFLICT),
]


class PreconditionFailed(exceptions.APIException):
    """``If-Match`` named a version that is no longer current.

    The problem names the current version (``current_version``, and the ``ETag``
    header), so the client can fetch it, merge and retry.
    """

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The record changed since you read it; fetch it again")
    default_code = "precondition_failed"

    def __init__(self, detail=None, code=None, *, current_version: int | None = None) -> None:
        if detail is None and current_version is not None:
            detail = gettext(
                "The record changed since you read it: it is at version %(version)s now; "
                "fetch it again"
            ) % {"version": current_version}
        super().__init__(detail, code)
        self.problem_extra = {"current_version": current_version}
        self.headers = {"ETag": f'"{current_version}"'} if current_version is not None else {}


class PreconditionRequired(exceptions.APIException):
    """A write to a versioned record said neither which version it read (RFC 6585 428)."""

    status_code = 428
    default_detail = _(
        "Say which version you are changing: send the ETag you read as If-Match (e.g. "
        'If-Match: "3") or "version" in the body, so that you cannot overwrite someone '
        "else's change unknowingly"
    )
    default_code = "precondition_required"


class PayloadTooLarge(exceptions.APIException):
    """The body is over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: refused unread, so no field is
    named (reading a body that size to find out which is what the limit prevents)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the stored data")
    default_code = "conflict"


def _problem(
    *,
    status_code: int,
    code: str,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = problem_body(status=status_code, code=code, detail=detail, errors=errors)
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _domain_problem(exc: domain.DangolError) -> Response:
    status_code = next(
        (code for cls, code in DOMAIN_STATUS if isinstance(exc, cls)),
        status.HTTP_400_BAD_REQUEST,
    )
    errors = {exc.field: [exc.message]} if exc.field else None
    return _problem(status_code=status_code, code=str(exc.code), detail=exc.message, errors=errors)


def _api_problem(exc: exceptions.APIException) -> Response:
    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    headers.update(getattr(exc, "headers", None) or {})
    wait = getattr(exc, "wait", None)
    if wait is not None:
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        fields = ", ".join(sorted(errors))
        return _problem(
            status_code=exc.status_code,
            code=first_code(exc.detail),
            detail=_("Invalid input: %(fields)s") % {"fields": fields}
            if fields
            else _("Invalid input"),
            errors=errors,
            headers=headers,
        )
    detail = exc.detail
    if isinstance(detail, dict | list):
        detail = " ".join(" ".join(messages) for messages in flatten_errors(detail).values())
    code = getattr(exc.detail, "code", None) or exc.default_code
    response = _problem(
        status_code=exc.status_code, code=str(code), detail=str(detail), headers=headers
    )
    response.data.update(getattr(exc, "problem_extra", None) or {})
    return response


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Return the problem+json response for ``exc`` (DRF's ``EXCEPTION_HANDLER``)."""
    set_rollback()
    if isinstance(exc, domain.DangolError):
        return _domain_problem(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        exc = PayloadTooLarge(
            gettext(
                "The request body is larger than %(limit)s bytes; no text field may be "
                "that long (each field's limit is in the API schema)"
            )
            % {"limit": limit}
        )
    elif isinstance(exc, DataError):
        # A value the database cannot store that validation let through: the client's
        # input, so a 400, but logged because validation should have caught it.
        logger.warning("API input rejected by the database: %s", exc)
        exc = exceptions.ValidationError({"non_field_errors": [gettext("A value is out of range")]})
    elif isinstance(exc, IntegrityError):
        logger.warning("API write conflicted with a database constraint: %s", exc)
        exc = Conflict()
    if isinstance(exc, exceptions.APIException):
        return _api_problem(exc)
    logger.exception("Unhandled error in API view %s", context.get("view"))
    return _problem(
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        code="server_error",
        detail=gettext("An unexpected error occurred; it has been logged"),
    )
