"""Helpers of the htmx-driven pages."""

from __future__ import annotations

from django.http import HttpRequest


def is_htmx_swap(request: HttpRequest) -> bool:
    """Return whether to answer with a results partial (an htmx swap, not a history restore)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and "HX-Boosted" not in headers
        and "HX-History-Restore-Request" not in headers
    )
