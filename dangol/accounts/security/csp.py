"""Content-Security-Policy with a per-request nonce for the few inline scripts and styles.

Pages load scripts and styles from the site itself; an inline ``<script>`` or ``<style>``
runs only with ``nonce="{{ request.csp_nonce }}"``, so script injected through data
(a customer named ``<script>``) cannot run even if escaping were ever missed. Inline
``style="..."`` attributes are allowed (``style-src-attr``): they cannot run code, and
chart and layout widths use them. The API's documentation viewers (Swagger UI, Redoc,
third-party bundles that inject styles and start workers) get a looser policy on their
two pages only; they show the schema, never customer data.

``settings.DANGOL_CSP`` turns the header on (default) and ``DANGOL_CSP_REPORT_ONLY``
sends it as ``Content-Security-Policy-Report-Only`` for a trial in production.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse

API_DOC_PATHS = ("/api/v1/docs/", "/api/v1/redoc/")


def csp_policy(nonce: str, *, path: str = "") -> str:
    """Return the policy for a page at ``path`` with this request's ``nonce``."""
    if path.startswith(API_DOC_PATHS):
        script = "'self' 'unsafe-inline'"
        style = "'self' 'unsafe-inline'"
        extra = ["worker-src 'self' blob:"]
    else:
        script = f"'self' 'nonce-{nonce}'"
        style = f"'self' 'nonce-{nonce}'"
        extra = ["style-src-attr 'unsafe-inline'"]
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script}",
            f"style-src {style}",
            *extra,
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    """Give each request ``request.csp_nonce`` and each response the CSP header."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if not getattr(settings, "DANGOL_CSP", True):
            return response
        header = (
            "Content-Security-Policy-Report-Only"
            if getattr(settings, "DANGOL_CSP_REPORT_ONLY", False)
            else "Content-Security-Policy"
        )
        if header not in response:
            response[header] = csp_policy(request.csp_nonce, path=request.path)
        return response
