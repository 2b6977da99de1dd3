"""Two-factor login with TOTP: enrolment, the login's second step, recovery codes, policy."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.test import Client

from dangol.accounts.models import LoginThrottle, TotpDevice
from dangol.accounts.roles import Role
from dangol.accounts.security import totp
from dangol.accounts.tests.factories import TEST_PASSWORD, UserFactory
from dangol.core.errors import ValidationError


def _code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def _enrolled(user) -> tuple[TotpDevice, list[str]]:
    device = totp.totp_enrol_start(user=user)
    codes = totp.totp_enrol_confirm(user=user, code=_code(device.secret))
    device.refresh_from_db()
    return device, codes


def test_enrol_from_the_security_page_with_a_server_drawn_qr_code(db, sales):
    client = Client()
    client.force_login(sales)
    page = client.get("/accounts/security/")
    assert page.status_code == 200
    assert "Turn two-factor login on" in page.content.decode()
    assert client.post("/accounts/security/", {"action": "start"}).status_code == 302
    page = client.get("/accounts/security/").content.decode()
    device = TotpDevice.objects.get(user=sales)
    assert device.confirmed_at is None
    assert "<svg width=" in page and 'class="totp-qr"' in page
    assert device.secret in page
    assert "otpauth://" not in page  # the URI is inside the QR code, not in text
    wrong = client.post("/accounts/security/", {"action": "confirm", "code": "000000"})
    assert "That code is not right" in wrong.content.decode()
    done = client.post(
        "/accounts/security/", {"action": "confirm", "code": _code(device.secret)}
    ).content.decode()
    assert "Two-factor login is on." in done
    device.refresh_from_db()
    assert device.confirmed_at is not None
    assert len(device.recovery_codes) == 10
    assert done.count("<li><code>") == 10


def test_login_asks_for_the_code_after_the_password(db, sales):
    device, _codes = _enrolled(sales)
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "sales", "password": TEST_PASSWORD, "next": "/orders/"}
    )
    assert response.status_code == 302
    # Every page is held until the code is given.
    held = client.get("/customers/")
    assert held.status_code == 302
    assert held.url.startswith("/accounts/login/verify/?next=")
    assert client.get("/api/v1/customers/").status_code == 403
    page = client.get(held.url)
    assert "Two-factor login" in page.content.decode()
    wrong = client.post("/accounts/login/verify/", {"code": "123456", "next": "/customers/"})
    assert "That code is not right." in wrong.content.decode()
    ok = client.post(
        "/accounts/login/verify/",
        {"code": _code(device.secret, offset_steps=1), "next": "/customers/"},
    )
    assert ok.status_code == 302
    assert ok.url == "/customers/"
    assert client.get("/customers/").status_code == 200


def test_a_code_cannot_be_replayed(db, sales):
    device, _codes = _enrolled(sales)
    code = _code(device.secret, offset_steps=1)
    assert totp.totp_verify(user=sales, code=code) is True
    assert totp.totp_verify(user=sales, code=code) is False


def test_recovery_codes_work_once(db, sales):
    _device, codes = _enrolled(sales)
    assert totp.totp_verify(user=sales, code=codes[3].upper()) is True
    assert totp.totp_verify(user=sales, code=codes[3]) is False
    assert len(TotpDevice.objects.get(user=sales).recovery_codes) == 9


def test_wrong_codes_count_towards_the_login_lock(db, sales, settings):
    settings.DANGOL_LOGIN_THROTTLE = {"max_failures": 3}
    device, _codes = _enrolled(sales)
    client = Client()
    client.force_login(sales)
    for _ in range(3):
        client.post("/accounts/login/verify/", {"code": "000000"}, REMOTE_ADDR="10.2.2.2")
    locked = client.post(
        "/accounts/login/verify/", {"code": _code(device.secret, 1)}, REMOTE_ADDR="10.2.2.2"
    )
    assert "Too many failed logins" in locked.content.decode()
    assert client.get("/customers/").status_code == 302
    assert LoginThrottle.objects.get(scope="username", key="sales").locked_until is not None


def test_a_role_can_be_required_to_enrol(db, settings):
    settings.DANGOL_2FA_REQUIRED_ROLES = ["admin"]
    boss = UserFactory(username="boss", role=Role.ADMIN)
    client = Client()
    client.force_login(boss)
    response = client.get("/customers/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/security/")
    page = client.get("/accounts/security/").content.decode()
    assert "Your role requires two-factor login" in page
    client.post("/accounts/security/", {"action": "start"})
    device = TotpDevice.objects.get(user=boss)
    client.post("/accounts/security/", {"action": "confirm", "code": _code(device.secret)})
    assert client.get("/customers/").status_code == 200
    with pytest.raises(ValidationError):
        totp.totp_disable(user=boss, code=_code(device.secret, 1))
    # A role that is not required keeps the password-only login.
    other = UserFactory(username="analyst2", role=Role.ANALYST)
    client2 = Client()
    client2.force_login(other)
    assert client2.get("/customers/").status_code == 200


def test_turn_off_with_a_valid_code(db, sales):
    device, _codes = _enrolled(sales)
    with pytest.raises(ValidationError):
        totp.totp_disable(user=sales, code="000000")
    totp.totp_disable(user=sales, code=_code(device.secret, 1))
    assert not TotpDevice.objects.filter(user=sales).exists()


def test_admin_login_is_held_too(db):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    _enrolled(root)
    client = Client()
    client.post("/admin/login/", {"username": "root", "password": TEST_PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/verify/")
