"""Login throttling and lockout on every login: staff, portal, admin and API tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from dangol.accounts.models import LoginThrottle
from dangol.accounts.roles import Role
from dangol.accounts.security.lockout import login_throttle_unlock, login_unlock_username
from dangol.accounts.tests.factories import TEST_PASSWORD, UserFactory
from dangol.core.errors import PermissionDeniedError

LOCKED_TEXT = "Too many failed logins"


@pytest.fixture
def throttle(settings):
    settings.DANGOL_LOGIN_THROTTLE = {
        "max_failures": 3,
        "max_failures_per_address": 6,
        "window": 600,
        "lock": 60,
        "max_lock": 300,
    }


def _post(client, url, username, password, address="10.0.0.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("url", ["/accounts/login/", "/portal/login/", "/admin/login/"])
def test_three_wrong_passwords_lock_the_user_name_even_for_the_right_password(throttle, db, url):
    user = UserFactory(username="kim", role=Role.SALES, is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(2):
        response = _post(client, url, "kim", "wrong-password-123")
        assert response.status_code == 200
        assert LOCKED_TEXT not in response.content.decode()
    response = _post(client, url, "kim", "wrong-password-123")
    assert LOCKED_TEXT in response.content.decode()
    # The right password is refused while locked, and no session is made.
    response = _post(client, url, "kim", TEST_PASSWORD)
    assert response.status_code == 200
    assert "Try again in 1 minute" in response.content.decode()
    assert "_auth_user_id" not in client.session
    row = LoginThrottle.objects.get(scope="username", key="kim")
    assert row.locks == 1
    assert 55 <= (row.locked_until - timezone.now()).total_seconds() <= 60
    assert user.pk


def test_lock_expires_and_the_next_lock_lasts_twice_as_long(throttle, db):
    UserFactory(username="lee", role=Role.SALES)
    client = Client()
    for _ in range(3):
        _post(client, "/accounts/login/", "lee", "nope-nope-nope")
    row = LoginThrottle.objects.get(scope="username", key="lee")
    LoginThrottle.objects.filter(pk=row.pk).update(
        locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    for _ in range(3):
        _post(client, "/accounts/login/", "lee", "nope-nope-nope")
    row.refresh_from_db()
    assert row.locks == 2
    assert 115 <= (row.locked_until - timezone.now()).total_seconds() <= 120


def test_success_resets_the_user_name_count(throttle, db):
    UserFactory(username="park", role=Role.SALES)
    client = Client()
    for _ in range(2):
        _post(client, "/accounts/login/", "park", "nope-nope-nope")
    response = _post(client, "/accounts/login/", "park", TEST_PASSWORD)
    assert response.status_code == 302
    assert LoginThrottle.objects.get(scope="username", key="park").failures == 0


def test_one_address_guessing_many_user_names_is_locked(throttle, db):
    UserFactory(username="victim", role=Role.SALES)
    client = Client()
    for n in range(6):
        _post(client, "/accounts/login/", f"guess{n}", "nope-nope-nope", address="10.9.9.9")
    # Each user name saw one failure; the address saw six and is locked for everyone.
    response = _post(client, "/accounts/login/", "victim", TEST_PASSWORD, address="10.9.9.9")
    assert LOCKED_TEXT in response.content.decode()
    # Another address still logs in.
    response = _post(client, "/accounts/login/", "victim", TEST_PASSWORD, address="10.1.1.1")
    assert response.status_code == 302


def test_admin_unlocks_a_user_name_and_others_may_not(throttle, db, admin_user, sales):
    client = Client()
    for _ in range(3):
        _post(client, "/accounts/login/", "sales", "nope-nope-nope")
    row = LoginThrottle.objects.get(scope="username", key="sales")
    with pytest.raises(PermissionDeniedError):
        login_throttle_unlock(actor=sales, throttle=row)
    assert login_unlock_username(actor=admin_user, username="SALES") == 1
    response = _post(client, "/accounts/login/", "sales", TEST_PASSWORD)
    assert response.status_code == 302


def test_admin_unlock_action(throttle, db):
    UserFactory(username="choi", role=Role.SALES)
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    anon = Client()
    for _ in range(3):
        _post(anon, "/accounts/login/", "choi", "nope-nope-nope")
    row = LoginThrottle.objects.get(scope="username", key="choi")
    admin_client = Client()
    admin_client.force_login(admin_user)
    response = admin_client.post(
        "/admin/accounts/loginthrottle/",
        {"action": "unlock_selected", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.locked_until is None
    assert row.failures == 0


def test_bad_api_tokens_lock_the_address_with_429(throttle, db):
    client = Client()
    for _ in range(6):
        response = client.get(
            "/api/v1/customers/", HTTP_AUTHORIZATION="Bearer not-a-token", REMOTE_ADDR="10.7.7.7"
        )
        assert response.status_code == 401
    response = client.get(
        "/api/v1/customers/", HTTP_AUTHORIZATION="Bearer not-a-token", REMOTE_ADDR="10.7.7.7"
    )
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/problem+json")
    assert int(response["Retry-After"]) > 0
    # A different address is not affected.
    response = client.get(
        "/api/v1/customers/", HTTP_AUTHORIZATION="Bearer not-a-token", REMOTE_ADDR="10.7.7.8"
    )
    assert response.status_code == 401
