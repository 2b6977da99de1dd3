"""Keep portal logins inside the portal: customers and partners never reach staff pages.

A portal account has no staff role, and staff pages already show it nothing; this
boundary makes that explicit and total (pages, admin, API), whatever URL is tried.

Whether a login is a portal account is decided once, when it logs in, and kept in the
session (``portal_login_mark``), so no request pays a query for the check.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse

SESSION_KEY = "dangol_portal_account"

# Links in customers' e-mails (tracking, unsubscribe) must work for a signed-in customer too.
ALLOWED_PREFIXES = (
    "/portal/",
    "/static/",
    "/i18n/",
    "/service/survey/",
    "/favicon",
    "/collect",  # the web tracker on portal pages (webanalytics)
    "/marketing/t/",
    "/marketing/unsubscribe/",
)


class PortalBoundaryMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.session.get(SESSION_KEY)
            and not request.path.startswith(ALLOWED_PREFIXES)
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


def portal_login_mark(sender, request, user, **kwargs) -> None:
    """Remember in the session whether the login that just happened is a portal account.

    Connected to ``user_logged_in`` (auth plumbing, not domain logic): every way of
    logging in (the portal's form, the staff form, tests' force_login) passes here.
    """
    from dangol.portal.models import PortalAccount

    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = PortalAccount.objects.filter(user=user).exists()
