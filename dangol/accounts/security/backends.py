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
