"""Keep HTML error pages and stack traces away from ``/api/``.

DRF views answer their own errors (``exceptions.py``); this catches what happens outside
them: an unknown URL under ``/api/`` (Django's 404 page), a method no route takes, and an
exception that escapes a view or a middleware.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext

from dangol.core.api.problems import problem_response

API_PREFIX = "/api/"
JSON_TYPES = ("application/json", "application/problem+json")
HANDLED_BY_DJANGO = (Http404, PermissionDenied, BadRequest, SuspiciousOperation)

logger = logging.getLogger("dangol.api")


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


class ApiErrorMiddleware:
    """Answer API errors that did not come from an API view with problem+json."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api_request(request) or response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith(JSON_TYPES):
            return response
        if response.status_code == 404:
            return problem_response(
                status=404, code="not_found", detail=gettext("No API endpoint at this address")
            )
        if response.status_code >= 500:
            return problem_response(
                status=response.status_code,
                code="server_error",
                detail=gettext("An unexpected error occurred; it has been logged"),
            )
        return problem_response(
            status=response.status_code,
            code="error",
            detail=response.reason_phrase or gettext("Request failed"),
        )

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_request(request) or isinstance(exception, HANDLED_BY_DJANGO):
            # Django turns these into 4xx responses, which ``__call__`` then rewrites.
            return None
        logger.error("Unhandled error on %s", request.path, exc_info=exception)
        return problem_response(
            status=500,
            code="server_error",
            detail=gettext("An unexpected error occurred; it has been logged"),
        )
