"""Hold every page after the password until the second factor is given (or enrolled).

Whatever the login path (staff form, admin, a test's ``force_login``), the session is
checked once: a member with a confirmed TOTP device is "pending" until they type a code,
and a member whose role requires two-factor but who has no device must enrol first. The
decision is kept in the session, so requests after it pay no query.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode

SESSION_KEY = "dangol_2fa"
OK, PENDING, ENROL = "ok", "pending", "enrol"

ALWAYS_ALLOWED = ("/static/", "/i18n/", "/favicon", "/accounts/logout/", "/portal/logout/")


def _state_for(user) -> str:
    from dangol.accounts.security.totp import totp_device_confirmed, totp_required

    if totp_device_confirmed(user=user) is not None:
        return PENDING
    if totp_required(user=user):
        return ENROL
    return OK


def two_factor_login_mark(sender, request, user, **kwargs) -> None:
    """Decide at login (``user_logged_in``) whether the session owes a second factor, so
    requests after it pay no query. Every way of logging in passes here."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = _state_for(user)


def two_factor_state(request: HttpRequest) -> str:
    """Return (and remember in the session) whether this login still owes a second factor.

    Sessions made before this check existed have no mark: it is decided on their first
    request.
    """
    state = request.session.get(SESSION_KEY)
    if state is None:
        state = request.session[SESSION_KEY] = _state_for(request.user)
    return state


class TwoFactorMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(ALWAYS_ALLOWED):
            return self.get_response(request)
        state = two_factor_state(request)
        if state == OK:
            return self.get_response(request)
        target = reverse("accounts:two_factor_verify" if state == PENDING else "accounts:security")
        if request.path == target:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "type": "about:blank",
                    "title": "Forbidden",
                    "status": 403,
                    "code": "two_factor_required",
                    "detail": "Finish the two-factor login in the browser first.",
                },
                status=403,
                content_type="application/problem+json",
            )
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
