"""``/collect`` (the tracker's endpoint) and, in tests or DEBUG, pages that carry the tracker."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from dangol.webanalytics import services
from dangol.webanalytics.selectors import site_info

TEST_PAGES = ("a", "b", "c", "search", "missing")


def _portal_customer_id(request: HttpRequest) -> int | None:
    """Return the logged-in portal customer's id; no session cookie costs no query."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    from dangol.portal.middleware import SESSION_KEY
    from dangol.portal.selectors import portal_account_for

    if not request.session.get(SESSION_KEY):
        return None
    account = portal_account_for(request.user)
    return account.customer_id if account is not None else None


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
        response["Vary"] = "Origin"
    return response


@csrf_exempt  # a tracker on another site has no CSRF token; the site key and origin check
@never_cache
def collect(request: HttpRequest) -> HttpResponse:
    """Take a batch of tracker events: 202 with what was accepted and rejected.

    400 when no event is valid (or the body is not UTF-8 JSON, or the site is unknown),
    403 for an origin the site does not allow, 413 for a body or batch too large.
    """
    if request.method == "OPTIONS":
        return _preflight(request)
    if request.method != "POST":
        response = JsonResponse({"error": "method_not_allowed"}, status=405)
        response["Allow"] = "POST, OPTIONS"
        return response
    limit = int(services.config()["max_body_bytes"])
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    # Never read more than the limit (plus one byte, to tell that it was too much).
    body = b"" if length > limit else request.read(limit + 1)
    answer = services.events_collect(
        body=body,
        content_length=length,
        origin=request.headers.get("Origin", ""),
        remote_addr=request.META.get("REMOTE_ADDR", ""),
        forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR", ""),
        user_agent=request.headers.get("User-Agent", ""),
        do_not_track=request.headers.get("DNT") == "1" or request.headers.get("Sec-GPC") == "1",
        customer_id=_portal_customer_id(request),
    )
    return _cors(JsonResponse(answer.body, status=answer.status), answer.allow_origin)


def _preflight(request: HttpRequest) -> HttpResponse:
    origin = request.headers.get("Origin", "").rstrip("/")
    key = request.GET.get("site", "")
    allowed = bool(origin) and bool(key) and origin in site_info(key=key)[1]
    response = HttpResponse(status=204)
    if allowed:
        _cors(response, origin)
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "86400"
    return response


def test_page(request: HttpRequest, name: str) -> HttpResponse:
    """Serve a page carrying the tracker, only in DEBUG or when tests turn it on."""
    enabled = settings.DEBUG or getattr(settings, "DANGOL_WEBANALYTICS_TEST_PAGES", False)
    if not enabled or name not in TEST_PAGES:
        raise Http404
    status = 404 if name == "missing" else 200
    return render(
        request,
        "webanalytics/test_pages/page.html",
        {"name": name, "site_key": request.GET.get("site", "test")},
        status=status,
    )
