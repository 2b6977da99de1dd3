"""Who may query the warehouse: roles that read company-wide figures.

Sales and service staff see only their own (or their team's) customers elsewhere, so
they get no company-wide revenue cube; analysts, marketing, managers and admins do.
"""

from __future__ import annotations

from dangol.accounts.roles import Role, user_role

OLAP_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETING, Role.ANALYST})


def olap_may_query(user) -> bool:
    """Return whether ``user`` may run OLAP queries (API, pivot page)."""
    return user_role(user) in OLAP_ROLES
