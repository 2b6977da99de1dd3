"""The authentication backend every login goes through: the password check, throttled.

Staff login, portal login and the admin's login all call ``django.contrib.auth.
authenticate``, which calls this backend: a lock in force refuses before the password is
hashed, and a wrong password is counted (see ``lockout.py``).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from dangol.accounts.security.lockout import (
    client_address,
    login_failure_record,
    login_lock_find,
    login_success_record,
)
from dangol.core.prepared import PreparedQuery

REQUEST_LOCK_ATTR = "dangol_login_lock"


class ThrottledModelBackend(ModelBackend):
    """``ModelBackend`` that refuses locked user names and addresses and counts failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get("username") or ""
        address = client_address(request)
        lock = login_lock_find(username=username or "", address=address)
        if lock is not None:
            if request is not None:
                setattr(request, REQUEST_LOCK_ATTR, lock)
            # PermissionDenied stops authenticate() from trying any other backend.
            raise PermissionDenied("locked")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            if username and password is not None:
                login_failure_record(username=username, address=address)
                lock = login_lock_find(username=username, address=address)
                if lock is not None and request is not None:
                    setattr(request, REQUEST_LOCK_ATTR, lock)
            return None
        login_success_record(username=username)
        return user

    def get_user(self, user_id):
        """Return the signed-in user of a session (as ``ModelBackend`` does, on every request).

        The query is compiled once per connection (core/prepared.py); ``ModelBackend``'s
        ``get(pk=…)`` reads the same row.
        """
        rows = _user_by_pk(user_id)
        if not rows:
            return None
        user = rows[0]
        return user if self.user_can_authenticate(user) else None


def _user_by_pk_query(pk):
    from django.contrib.auth import get_user_model

    return get_user_model()._default_manager.filter(pk=pk)[:1]


_user_by_pk = PreparedQuery(_user_by_pk_query)
