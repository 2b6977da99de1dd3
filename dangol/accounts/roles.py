"""The staff roles and how a user's role is read.

Roles are Django groups created by a data migration; code asks ``user_role`` rather than
looking at groups so the rule lives in one place.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from dangol.core.prepared import PreparedQuery


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    SALES = "sales"
    MARKETING = "marketing"
    SERVICE = "service"
    ANALYST = "analyst"


ROLE_LABELS = {
    Role.ADMIN: _("Administrator"),
    Role.MANAGER: _("Manager"),
    Role.SALES: _("Sales"),
    Role.MARKETING: _("Marketing"),
    Role.SERVICE: _("Customer service"),
    Role.ANALYST: _("Analyst"),
}

# When a user is in several groups the broadest one decides.
ROLE_PRECEDENCE = [
    Role.ADMIN,
    Role.MANAGER,
    Role.SERVICE,
    Role.MARKETING,
    Role.SALES,
    Role.ANALYST,
]


def user_role(user) -> Role | None:
    """Return the user's effective role, or ``None`` for a user with none (sees nothing)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    cached = getattr(user, "_dangol_role", False)
    if cached is not False:
        return cached
    names = set(_group_names(user.pk))
    role = next((r for r in ROLE_PRECEDENCE if r.value in names), None)
    user._dangol_role = role
    return role


def _group_names_query(user_id: int):
    from django.contrib.auth.models import Group

    # What ``user.groups.values_list("name", flat=True)`` reads.
    return Group.objects.filter(user__id=user_id).values_list("name", flat=True)


# Every signed-in request reads the role: compiled once per connection (core/prepared.py).
_group_names = PreparedQuery(_group_names_query)
