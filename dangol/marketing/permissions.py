"""Who may read and change segments and campaigns.

- admin, manager, marketing: create, edit, launch, snapshot (``can_write_marketing``);
- analyst: reads segments, campaigns and their reviews (``can_read_marketing``);
- sales, service: neither (403); they see a customer's next best offer on the customer
  pages through the customer visibility rules instead.
"""

from __future__ import annotations

from dangol.accounts.roles import Role, user_role

MARKETING_WRITE_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETING})
MARKETING_READ_ROLES = MARKETING_WRITE_ROLES | {Role.ANALYST}


def can_write_marketing(user) -> bool:
    """Return whether ``user`` may create and change segments and campaigns."""
    return user_role(user) in MARKETING_WRITE_ROLES


def can_read_marketing(user) -> bool:
    """Return whether ``user`` may see segments, campaigns and their reviews."""
    return user_role(user) in MARKETING_READ_ROLES
