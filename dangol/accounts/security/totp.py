"""Optional TOTP two-factor login for staff (RFC 6238, 30-second steps, 6 digits).

A member enrols from their security page: a secret is made, shown as a QR code (an SVG
drawn on the server, so no image leaves the site) and confirmed by typing a first code;
then ten one-time recovery codes are shown once. After the password, a member with a
confirmed device is asked for a code (``TwoFactorMiddleware`` holds every page until
then); roles listed in ``settings.DANGOL_2FA_REQUIRED_ROLES`` must enrol before anything
else. Wrong codes count towards the login lock like wrong passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dangol.accounts.errors import AccountErrorCode, ValidationError
from dangol.accounts.models import TotpDevice, User
from dangol.accounts.roles import user_role

ISSUER = "Dangol"
RECOVERY_CODE_COUNT = 10
# One step either side: a phone clock 30 s off still works.
VALID_WINDOW = 1


def _hash(code: str) -> str:
    normalised = code.strip().replace("-", "").replace(" ", "").lower()
    return hashlib.sha256(normalised.encode()).hexdigest()


def totp_required(*, user: User) -> bool:
    """Return whether the user's role must use two-factor login."""
    required = set(getattr(settings, "DANGOL_2FA_REQUIRED_ROLES", []) or [])
    if not required:
        return False
    role = user_role(user)
    return role is not None and role.value in required


def totp_device_confirmed(*, user: User) -> TotpDevice | None:
    """Return the user's confirmed device, or ``None``."""
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def totp_uri(*, device: TotpDevice) -> str:
    """Return the ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(device.secret).provisioning_uri(
        name=device.user.get_username(), issuer_name=ISSUER
    )


def totp_qr_svg(*, device: TotpDevice) -> str:
    """Return the enrolment QR code as an inline SVG element (no XML declaration)."""
    return segno.make(totp_uri(device=device), error="m").svg_inline(
        scale=4, border=2, svgclass="totp-qr"
    )


@transaction.atomic
def totp_enrol_start(*, user: User) -> TotpDevice:
    """Make a fresh unconfirmed device (a new secret) unless one is confirmed already.

    :raises ValidationError: two-factor is already on for this user.
    """
    existing = TotpDevice.objects.select_for_update().filter(user=user).first()
    if existing is not None and existing.confirmed_at is not None:
        raise ValidationError(
            "Two-factor login is already on; turn it off first to enrol a new device",
            code=AccountErrorCode.INVALID,
        )
    if existing is not None:
        existing.delete()
    return TotpDevice.objects.create(user=user, secret=pyotp.random_base32())


def _step_accepted(device: TotpDevice, code: str, *, at: float | None = None) -> int | None:
    """Return the time step ``code`` belongs to, if valid and newer than the last one used."""
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    now = time.time() if at is None else at
    totp = pyotp.TOTP(device.secret)
    current = int(now // totp.interval)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if step > device.last_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


@transaction.atomic
def totp_enrol_confirm(*, user: User, code: str) -> list[str]:
    """Confirm the pending device with a first code; return the recovery codes (once).

    :raises ValidationError: no pending device, or the code is wrong (field ``code``).
    """
    device = (
        TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
    )
    if device is None:
        raise ValidationError("Start enrolment first", code=AccountErrorCode.INVALID, field="code")
    step = _step_accepted(device, code)
    if step is None:
        raise ValidationError(
            "That code is not right; check the clock of your phone and try the next code",
            code=AccountErrorCode.INVALID,
            field="code",
        )
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    device.last_step = step
    device.confirmed_at = timezone.now()
    device.recovery_codes = [_hash(c) for c in codes]
    device.save()
    return codes


@transaction.atomic
def totp_verify(*, user: User, code: str) -> bool:
    """Check a login code (or a recovery code, used up); return whether it was accepted.

    A TOTP code is accepted once: the step is remembered so a replay fails.
    """
    device = (
        TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    )
    if device is None:
        return False
    step = _step_accepted(device, code)
    if step is not None:
        TotpDevice.objects.filter(pk=device.pk).update(last_step=step)
        return True
    hashed = _hash(code or "")
    remaining = [h for h in device.recovery_codes if not hmac.compare_digest(h, hashed)]
    if len(remaining) < len(device.recovery_codes):
        TotpDevice.objects.filter(pk=device.pk).update(recovery_codes=remaining)
        return True
    return False


@transaction.atomic
def totp_disable(*, user: User, code: str) -> None:
    """Turn two-factor off after a valid code (the member proves they hold the device).

    :raises ValidationError: the code is wrong, or the role requires two-factor.
    """
    if totp_required(user=user):
        raise ValidationError(
            "Your role requires two-factor login", code=AccountErrorCode.INVALID, field="code"
        )
    if not totp_verify(user=user, code=code):
        raise ValidationError("That code is not right", code=AccountErrorCode.INVALID, field="code")
    TotpDevice.objects.filter(user=user).delete()
