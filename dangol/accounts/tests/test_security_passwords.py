"""The password policy: 12+ characters, not common, not all digits, not like the user."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.test import Client

from dangol.accounts.models import User
from dangol.accounts.security.passwords import user_password_check
from dangol.accounts.tests.factories import UserFactory
from dangol.core.demo.users import demo_passwords_start
from dangol.core.errors import ValidationError
from dangol.customers.tests.factories import CustomerFactory
from dangol.portal.services import portal_account_create


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Short1!pass", "at least 12 characters"),
        ("123456789012345", "entirely numeric"),
        ("q1w2e3r4t5y6", "too common"),
        ("jane.smith@example.test", "too similar"),
    ],
)
def test_weak_passwords_are_refused_with_the_rule_named(db, password, rule):
    user = User(username="jane.smith", email="jane.smith@example.test")
    with pytest.raises(ValidationError) as info:
        user_password_check(password=password, user=user)
    assert info.value.field == "password"
    assert info.value.code == "weak_password"
    assert rule in info.value.message


def test_a_long_random_password_passes(db):
    user_password_check(password="plum-orbit-candle-47", user=User(username="kim"))


def test_portal_accounts_refuse_weak_passwords(db, admin_user):
    customer = CustomerFactory()
    with pytest.raises(ValidationError) as info:
        portal_account_create(
            actor=admin_user, email="c@x.test", password="short", customer=customer
        )
    assert info.value.field == "password"
    assert not User.objects.filter(username="c@x.test").exists()
    account = portal_account_create(
        actor=admin_user, email="c@x.test", password="plum-orbit-candle-47", customer=customer
    )
    assert account.user.check_password("plum-orbit-candle-47")


def test_demo_passwords_pass_the_policy():
    with ThreadPoolExecutor(max_workers=1) as pool:
        creds = demo_passwords_start(pool)
    assert len(creds.rows) >= 6
    for username, _role, password in creds.rows:
        validate_password(password, user=User(username=username))


def test_admin_user_creation_applies_the_policy(db):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newbie",
            "password1": "abc123",
            "password2": "abc123",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()
    with pytest.raises(DjangoValidationError):
        validate_password("99999999999999")
