"""A fast path for ``/collect`` in front of Django's middleware stack.

The tracker's POSTs need none of the stack (sessions, locale, CSRF, messages, ...): this
WSGI wrapper answers them directly with the same service the Django view calls, which
roughly doubles what a worker takes in. A request carrying a session cookie (a portal
customer, whose visit is linked through the session) and anything that is not a POST to
``/collect`` go through Django as usual.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

from django.conf import settings
from django.db import close_old_connections
from django.http.request import split_domain_port, validate_host

from dangol.webanalytics import services

log = logging.getLogger(__name__)
PATH = "/collect"
NO_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


class CollectFastPath:
    """Wrap a WSGI application; answer anonymous tracker POSTs to ``/collect`` directly."""

    def __init__(self, application) -> None:
        self.application = application

    def _takes(self, environ) -> bool:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return False
        if settings.SESSION_COOKIE_NAME in environ.get("HTTP_COOKIE", ""):
            return False
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        domain, _port = split_domain_port(host)
        allowed = settings.ALLOWED_HOSTS if not settings.DEBUG else [*settings.ALLOWED_HOSTS, "*"]
        # A bad Host goes to Django, which answers it with its usual 400.
        return bool(domain) and validate_host(domain, allowed)

    def __call__(self, environ, start_response):
        if not self._takes(environ):
            return self.application(environ, start_response)
        try:
            status, body, headers = self._collect(environ)
        except Exception:
            log.exception("collect failed")
            status, body, headers = 500, b'{"error": "server_error"}', []
        finally:
            close_old_connections()
        reason = HTTPStatus(status).phrase
        start_response(
            f"{status} {reason}",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", NO_CACHE),
                *headers,
            ],
        )
        return [body]

    def _collect(self, environ) -> tuple[int, bytes, list[tuple[str, str]]]:
        limit = int(services.config()["max_body_bytes"])
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = b"" if length > limit else environ["wsgi.input"].read(limit + 1)
        answer = services.events_collect(
            body=body,
            content_length=length,
            origin=environ.get("HTTP_ORIGIN", ""),
            remote_addr=environ.get("REMOTE_ADDR", ""),
            forwarded_for=environ.get("HTTP_X_FORWARDED_FOR", ""),
            user_agent=environ.get("HTTP_USER_AGENT", ""),
            do_not_track=environ.get("HTTP_DNT") == "1" or environ.get("HTTP_SEC_GPC") == "1",
        )
        headers = []
        if answer.allow_origin:
            headers = [
                ("Access-Control-Allow-Origin", answer.allow_origin),
                ("Access-Control-Allow-Credentials", "true"),
                ("Vary", "Origin"),
            ]
        return answer.status, json.dumps(answer.body).encode(), headers
