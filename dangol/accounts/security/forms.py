"""Login forms that say plainly when a login is locked and for how long."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import ngettext

from dangol.accounts.security.backends import REQUEST_LOCK_ATTR


def lock_message(seconds: int) -> str:
    """Return the message shown to a locked login."""
    minutes = max(1, (seconds + 59) // 60)
    return ngettext(
        "Too many failed logins. Try again in %(minutes)d minute, "
        "or ask an administrator to unlock the account.",
        "Too many failed logins. Try again in %(minutes)d minutes, "
        "or ask an administrator to unlock the account.",
        minutes,
    ) % {"minutes": minutes}


class ThrottledLoginMixin:
    """Replace "invalid login" with the lock message when the backend refused a lock."""

    def get_invalid_login_error(self):
        lock = getattr(self.request, REQUEST_LOCK_ATTR, None)
        if lock is not None:
            return forms.ValidationError(lock_message(lock.seconds_left), code="locked")
        return super().get_invalid_login_error()


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The staff and portal login form."""


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin site's login form."""
