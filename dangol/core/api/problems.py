"""Errors as ``application/problem+json`` (RFC 9457), for the API and its fallbacks.

Every error body has ``type``, ``title``, ``status``, ``detail`` and ``code``; validation
errors add ``errors``, a map of field name to messages (``lines[0].quantity`` for nested
fields, the way the services name them).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:dangol:problem:"


def problem_body(
    *, status: int, code: str, detail: str, errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """Return the problem document for an error."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return body


def problem_response(
    *, status: int, code: str, detail: str, errors: dict[str, list[str]] | None = None
) -> HttpResponse:
    """Return a plain Django response carrying a problem document (outside DRF views)."""
    body = problem_body(status=status, code=code, detail=detail, errors=errors)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Return DRF's nested error detail as ``{"lines[0].quantity": ["message", ...]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # DRF keys list items' errors by index
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in flatten_errors(value, name).items():
                flat.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            flat[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item in ({}, []):
                    continue
                # The services name list items the same way: ``lines[1].discount``.
                name = f"{prefix}[{index}]"
                for field, messages in flatten_errors(item, name).items():
                    flat.setdefault(field, []).extend(messages)
    else:
        flat[prefix or "non_field_errors"] = [str(detail)]
    return flat


def first_code(detail: Any) -> str:
    """Return the first machine code in DRF's error detail (``invalid`` if there is none)."""
    if isinstance(detail, dict):
        for value in detail.values():
            return first_code(value)
    if isinstance(detail, list):
        for item in detail:
            return first_code(item)
    return str(getattr(detail, "code", None) or "invalid")
