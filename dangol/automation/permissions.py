"""Who may see and change automation rules: admins change them, managers read them."""

from __future__ import annotations

from dangol.accounts.roles import Role, user_role

AUTOMATION_WRITE_ROLES = frozenset({Role.ADMIN})
AUTOMATION_READ_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


def can_write_automation(user) -> bool:
    """Return whether ``user`` may create, change, switch and delete rules and templates."""
    return user_role(user) in AUTOMATION_WRITE_ROLES


def can_read_automation(user) -> bool:
    """Return whether ``user`` may see rules, their run logs and dry runs."""
    return user_role(user) in AUTOMATION_READ_ROLES
