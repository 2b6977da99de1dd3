"""Keep portal logins inside the portal: customers and partners never reach staff pages.

A portal account has no staff role, and staff pages already show it nothing; this
boundary makes that explicit and total (pages, admin, API), whatever URL is tried.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse

ALLOWED_PREFIXES = ("/portal/", "/static/", "/i18n/", "/service/survey/", "/favicon")


class PortalBoundaryMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(ALLOWED_PREFIXES)
            and hasattr(user, "portal_account")
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "type": "about:blank",
                        "title": "Forbidden",
                        "status": 403,
                        "code": "permission_denied",
                        "detail": "Portal accounts use the portal, not the staff API.",
                    },
                    status=403,
                    content_type="application/problem+json",
                )
            return HttpResponseRedirect("/portal/")
        return self.get_response(request)
