"""Helpers for API tests: clients authenticated with a real token, and a clean throttle.

Import the ``clean_throttle`` fixture into a test module to start each test with empty
rate-limit counters (they live in the process-wide local-memory cache) and a fast
password hasher.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from dangol.accounts.services import api_token_create

PROBLEM = "application/problem+json"


def token_client(user) -> APIClient:
    """Return a client that sends a freshly created API token of ``user``."""
    _token, plaintext = api_token_create(user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


@pytest.fixture(autouse=True)
def clean_throttle(settings):
    # Role fixtures create several users per test; PBKDF2's deliberate slowness (about
    # 0.3 s a password here) would dominate the API tests, which never log in.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()
