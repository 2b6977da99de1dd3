"""Fixtures shared by every app's tests: one user per role, a team."""

from __future__ import annotations

import os
import uuid

import pytest

from dangol.accounts.roles import Role
from dangol.accounts.tests.factories import TeamFactory, UserFactory


@pytest.fixture
def team(db):
    return TeamFactory(name="Seoul team")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Busan team")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMIN)


@pytest.fixture
def manager(db, team):
    return UserFactory(username="manager", role=Role.MANAGER, team=team)


@pytest.fixture
def sales(db, team):
    return UserFactory(username="sales", role=Role.SALES, team=team)


@pytest.fixture
def other_sales(db, other_team):
    return UserFactory(username="other_sales", role=Role.SALES, team=other_team)


@pytest.fixture
def marketing(db):
    return UserFactory(username="marketing", role=Role.MARKETING)


@pytest.fixture
def service(db):
    return UserFactory(username="service", role=Role.SERVICE)


@pytest.fixture
def analyst(db):
    return UserFactory(username="analyst", role=Role.ANALYST)


@pytest.fixture
def users_by_role(admin_user, manager, sales, marketing, service, analyst):
    return {
        Role.ADMIN: admin_user,
        Role.MANAGER: manager,
        Role.SALES: sales,
        Role.MARKETING: marketing,
        Role.SERVICE: service,
        Role.ANALYST: analyst,
    }


REDIS_URL = os.environ.get("DANGOL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_task_backend(settings):
    """Route tasks to the real Redis under a key prefix of its own; remove the keys after.

    Skips only where Redis is unreachable and CI is not 'true'.
    """
    import redis

    from dangol.core.tasks import task_backend

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (and CI is not 'true')")
    prefix = f"dangol-test:{uuid.uuid4().hex}"
    settings.TASKS = {
        "default": {
            "BACKEND": "dangol.core.tasks_redis.RedisBackend",
            "OPTIONS": {"url": REDIS_URL, "prefix": prefix},
        }
    }
    yield task_backend()
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
