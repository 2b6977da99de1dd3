"""The demo's staff: an administrator and one user per role, with one-time passwords.

Passwords are generated here, printed once by the command and stored only as hashes.
Hashing is deliberately slow (PBKDF2), so it runs in threads while the data is generated.
"""

from __future__ import annotations

import secrets
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from dangol.accounts.models import Team
from dangol.accounts.roles import Role

DEMO_PREFIX = "demo_"
TEAM_CAPITAL = "수도권 영업팀"
TEAM_SOUTH = "남부 영업팀"

# username, role, team, last name, first name
DEMO_USERS: tuple[tuple[str, Role, str | None, str, str], ...] = (
    ("demo_admin", Role.ADMIN, None, "데모", "관리자"),
    ("demo_manager", Role.MANAGER, TEAM_CAPITAL, "김", "현수"),
    ("demo_sales1", Role.SALES, TEAM_CAPITAL, "이", "지은"),
    ("demo_sales2", Role.SALES, TEAM_CAPITAL, "박", "민호"),
    ("demo_sales3", Role.SALES, TEAM_SOUTH, "최", "수민"),
    ("demo_sales4", Role.SALES, TEAM_SOUTH, "정", "우성"),
    ("demo_marketing", Role.MARKETING, None, "윤", "서아"),
    ("demo_service", Role.SERVICE, None, "장", "하늘"),
    ("demo_analyst", Role.ANALYST, None, "한", "도현"),
)


@dataclass
class DemoCredentials:
    """Who can log in, with which generated password; hashes are computed in the background."""

    rows: list[tuple[str, Role, str]] = field(default_factory=list)  # username, role, password
    hashes: dict[str, Future] = field(default_factory=dict)


def demo_passwords_start(pool: ThreadPoolExecutor) -> DemoCredentials:
    """Generate a password per demo user and start hashing them on ``pool``."""
    creds = DemoCredentials()
    for username, role, *_ in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        creds.rows.append((username, role, password))
        creds.hashes[username] = pool.submit(make_password, password)
    return creds


def demo_users_create() -> dict[str, int]:
    """Create (or re-create) the demo users without a usable password; return their ids."""
    user_model = get_user_model()
    user_model.objects.filter(username__startswith=DEMO_PREFIX).delete()
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in (TEAM_CAPITAL, TEAM_SOUTH)}
    # The role groups come from a data migration; get_or_create keeps the demo working on
    # a database whose rows were flushed since (transactional tests do that).
    groups = {r.value: Group.objects.get_or_create(name=r.value)[0] for r in Role}
    ids = {}
    for username, role, team, last, first in DEMO_USERS:
        user = user_model(
            username=username,
            email=f"{username}@dangol.example",
            first_name=first,
            last_name=last,
            team=teams[team] if team else None,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.set_unusable_password()
        user.save()
        user.groups.add(groups[role.value])
        ids[username] = user.pk
    return ids


def demo_passwords_apply(creds: DemoCredentials) -> None:
    """Store the finished password hashes on the demo users."""
    user_model = get_user_model()
    for username, future in creds.hashes.items():
        user_model.objects.filter(username=username).update(password=future.result())
