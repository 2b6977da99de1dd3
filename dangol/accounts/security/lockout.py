"""Login throttling and lockout, counted per user name and per client address.

After ``max_failures`` failed logins for one user name (or ``max_failures_per_address``
from one address) within ``window`` seconds, the key is locked for ``lock`` seconds,
doubling with each further lock in a row up to ``max_lock``. A success resets the user
name's count (not the address's: one good password must not clear a spraying address).
While locked, even the right password is refused, and the password is not checked, so a
lock also stops the hashing cost of a guessing run.

Counts are rows in the database (``LoginThrottle``), not the cache: Django's default
cache is per process, so several workers would each allow ``max_failures`` guesses.
Rates come from ``settings.DANGOL_LOGIN_THROTTLE`` read at call time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from dangol.accounts.errors import AccountErrorCode, PermissionDeniedError
from dangol.accounts.models import LoginThrottle
from dangol.accounts.roles import Role, user_role
from dangol.core.prepared import PreparedQuery

Scope = LoginThrottle.Scope

DEFAULTS = {
    "max_failures": 5,
    "max_failures_per_address": 20,
    "window": 15 * 60,
    "lock": 15 * 60,
    "max_lock": 24 * 60 * 60,
}


def throttle_config() -> dict[str, int]:
    """Return the throttle settings, ``DANGOL_LOGIN_THROTTLE`` over the defaults."""
    return {**DEFAULTS, **getattr(settings, "DANGOL_LOGIN_THROTTLE", {})}


@dataclass(frozen=True)
class Lock:
    scope: str
    key: str
    until: dt.datetime

    @property
    def seconds_left(self) -> int:
        return max(1, int((self.until - timezone.now()).total_seconds() + 0.999))


def client_address(request: HttpRequest | None) -> str:
    """Return the client's address: ``REMOTE_ADDR`` (a proxy in front must set it right)."""
    if request is None:
        return ""
    return (request.META.get("REMOTE_ADDR") or "")[:150]


def _normalise(username: str) -> str:
    return (username or "").strip().lower()[:150]


def login_lock_find(*, username: str, address: str, api: bool = False) -> Lock | None:
    """Return the lock in force for this user name or address, else ``None``."""
    now = timezone.now()
    keys = []
    if api:
        keys.append((Scope.API_ADDRESS, address))
    else:
        if username:
            keys.append((Scope.USERNAME, _normalise(username)))
        if address:
            keys.append((Scope.ADDRESS, address))
    for scope, key in keys:
        rows = _lock_in_force(scope, key, now)
        if rows:
            return Lock(scope=scope, key=key, until=rows[0].locked_until)
    return None


# Checked on every API request and login: compiled once per connection (core/prepared.py).
# ``first()`` on an unordered queryset is ``order_by("pk")[:1]``.
_lock_in_force = PreparedQuery(
    lambda scope, key, now: (
        LoginThrottle.objects.filter(scope=scope, key=key, locked_until__gt=now)
        .only("locked_until")
        .order_by("pk")[:1]
    )
)


def _failure_add(*, scope: str, key: str, limit: int) -> None:
    config = throttle_config()
    now = timezone.now()
    window = dt.timedelta(seconds=config["window"])
    # get_or_create re-reads the row when a concurrent first failure created it.
    row, _created = LoginThrottle.objects.select_for_update().get_or_create(scope=scope, key=key)
    if row.locked_until is not None and row.locked_until <= now - window:
        row.locks = 0  # a quiet window after the last lock starts the doubling over
    if row.failures == 0 or row.window_started_at <= now - window:
        row.failures = 0
        row.window_started_at = now
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= limit:
        seconds = min(config["lock"] * (2**row.locks), config["max_lock"])
        row.locked_until = now + dt.timedelta(seconds=seconds)
        row.locks += 1
        row.failures = 0
    row.save()


@transaction.atomic
def login_failure_record(*, username: str, address: str, api: bool = False) -> None:
    """Count one failed login for the user name and the address; lock either at its limit."""
    config = throttle_config()
    if api:
        if address:
            _failure_add(
                scope=Scope.API_ADDRESS, key=address, limit=config["max_failures_per_address"]
            )
        return
    if username:
        _failure_add(scope=Scope.USERNAME, key=_normalise(username), limit=config["max_failures"])
    if address:
        _failure_add(scope=Scope.ADDRESS, key=address, limit=config["max_failures_per_address"])


@transaction.atomic
def login_success_record(*, username: str) -> None:
    """Forget the user name's failures after a good login (the lock history stays)."""
    LoginThrottle.objects.filter(scope=Scope.USERNAME, key=_normalise(username)).update(
        failures=0, locks=0
    )


@transaction.atomic
def login_throttle_unlock(*, actor, throttle: LoginThrottle) -> LoginThrottle:
    """Lift a lock now and clear its count (administrators only).

    :raises PermissionDeniedError: the actor is not an administrator.
    """
    if user_role(actor) != Role.ADMIN:
        raise PermissionDeniedError(
            "Only administrators unlock logins", code=AccountErrorCode.PERMISSION_DENIED
        )
    LoginThrottle.objects.filter(pk=throttle.pk).update(failures=0, locks=0, locked_until=None)
    throttle.refresh_from_db()
    return throttle


@transaction.atomic
def login_unlock_username(*, actor, username: str) -> int:
    """Lift the lock on a user name; return how many throttles were cleared."""
    cleared = 0
    for throttle in LoginThrottle.objects.filter(scope=Scope.USERNAME, key=_normalise(username)):
        login_throttle_unlock(actor=actor, throttle=throttle)
        cleared += 1
    return cleared
