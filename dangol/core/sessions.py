"""The database session engine, reading the session row with prepared SQL.

Django's ``db`` engine, unchanged except that the one query every signed-in request makes
(the session by key, not expired) is compiled once per connection (core/prepared.py).
Settings: ``SESSION_ENGINE = "dangol.core.sessions"``.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from dangol.core.prepared import PreparedQuery


def _live_session_query(session_key: str, now):
    from django.contrib.sessions.models import Session

    # What ``Session.objects.get(session_key=…, expire_date__gt=now)`` reads (the key is
    # unique, so at most one row).
    return Session.objects.filter(session_key=session_key, expire_date__gt=now)[:1]


_live_session = PreparedQuery(_live_session_query)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        try:
            rows = _live_session(self.session_key, timezone.now())
        except SuspiciousOperation as exc:
            logger = logging.getLogger(f"django.security.{exc.__class__.__name__}")
            logger.warning(str(exc))
            rows = []
        if rows:
            return rows[0]
        self._session_key = None
        return None
