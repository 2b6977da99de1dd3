"""Rate limits: per API token, else per signed-in user, else per client address.

Rates come from ``settings.DANGOL_API_RATES`` (``"600/minute"``-style, set through the
environment) and are read on each request, so a deployment or a test can change them.
Counts live in Django's cache: the default local-memory cache counts per worker
process; point ``CACHES`` at a shared cache to count across workers.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from dangol.accounts.models import ApiToken


class ApiRateThrottle(SimpleRateThrottle):
    """Allow ``DANGOL_API_RATES[kind]`` requests per window, keyed on who is asking."""

    cache_format = "dangol-api-throttle:%(scope)s:%(ident)s"

    def __init__(self) -> None:
        # The rate depends on the request (token, user or anonymous): chosen in
        # ``allow_request``, not here.
        self.rate = None
        self.num_requests = self.duration = None

    def _scope_and_ident(self, request: Request) -> tuple[str, str]:
        if isinstance(request.auth, ApiToken):
            return "token", str(request.auth.pk)
        user = request.user
        if user is not None and user.is_authenticated:
            return "user", str(user.pk)
        return "anon", self.get_ident(request)

    def allow_request(self, request: Request, view) -> bool:
        self.scope, ident = self._scope_and_ident(request)
        self.rate = settings.DANGOL_API_RATES.get(self.scope)
        if not self.rate:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.cache_format % {"scope": self.scope, "ident": ident}
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()

    def get_cache_key(self, request: Request, view) -> str | None:
        scope, ident = self._scope_and_ident(request)
        return self.cache_format % {"scope": scope, "ident": ident}
