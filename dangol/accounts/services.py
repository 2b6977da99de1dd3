"""Writes to accounts: per-user API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from dangol.accounts.errors import AccountErrorCode, ValidationError
from dangol.accounts.models import ApiToken, User

TOKEN_BYTES = 32
# ``last_used_at`` is a hint for the owner, not an audit trail: writing it at most once a
# minute keeps a busy client from turning every read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def api_token_hash(plaintext: str) -> str:
    """Return the stored form of a token: the hex SHA-256 of its text."""
    return hashlib.sha256(plaintext.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create an API token for ``user`` and return it with its plaintext.

    The plaintext is shown once and never stored; only its hash is.

    :param user: the staff user the token acts as (with that user's role).
    :param name: what the token is for ("ERP sync"), so the owner can tell tokens apart.
    :raises ValidationError: the name is empty or too long.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give the token a name", code=AccountErrorCode.REQUIRED, field="name")
    max_length = ApiToken._meta.get_field("name").max_length
    if len(name) > max_length:
        raise ValidationError(
            f"The name may have at most {max_length} characters",
            code=AccountErrorCode.INVALID,
            field="name",
        )
    plaintext = secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=plaintext[:8], key_hash=api_token_hash(plaintext)
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke ``token`` so that it no longer authenticates; revoking twice is harmless."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=token.revoked_at
        )
    return token


def api_token_mark_used(*, token: ApiToken, now: dt.datetime | None = None) -> None:
    """Record that ``token`` was just used (at most one write per minute per token)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    token.last_used_at = now
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


@transaction.atomic
def user_notify_by_email_set(*, user: User, value: bool) -> User:
    """Turn the email copy of ``user``'s notifications on or off."""
    user.notify_by_email = bool(value)
    user.save(update_fields=["notify_by_email"])
    return user
