"""Suite-wide pytest configuration: the database run and shared fixtures."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["dangol.core.tests.fixtures"]


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def pytest_collection_modifyitems(config, items):
    if os.environ.get("DANGOL_REQUIRE_POSTGRES") == "1" and _vendor() != "postgresql":
        raise pytest.UsageError(
            "DANGOL_REQUIRE_POSTGRES=1 but DATABASE_URL does not point at PostgreSQL"
        )
    if _vendor() != "postgresql":
        skip = pytest.mark.skip(reason="PostgreSQL-only test; this run is on SQLite")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords with MD5: the default hasher costs ~0.3 s per user created."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Run tests in English unless a test asks for Korean (the product defaults to ko)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _no_nightly_warehouse_refresh(settings):
    """Keep the worker's nightly-refresh sweep quiet unless a test turns it on.

    Tests that run ``dangol worker`` would otherwise enqueue a real warehouse refresh
    whenever the clock is past DANGOL_WAREHOUSE_REFRESH_AT.
    """
    settings.DANGOL_WAREHOUSE_REFRESH_AT = ""
