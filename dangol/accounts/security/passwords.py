"""The password policy (``AUTH_PASSWORD_VALIDATORS``) as a domain check for services."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError

from dangol.accounts.errors import AccountErrorCode, ValidationError


def user_password_check(*, password: str, user=None) -> None:
    """Check ``password`` against the policy (length 12+, not common, not all digits, not
    like the user's name or email).

    :raises ValidationError: on field ``password``, with every rule it breaks.
    """
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationError(
            " ".join(exc.messages), code=AccountErrorCode.WEAK_PASSWORD, field="password"
        ) from exc
