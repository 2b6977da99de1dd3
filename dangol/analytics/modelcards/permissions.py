"""Who may see model cards and start trainings."""

from __future__ import annotations

from dangol.accounts.roles import Role, user_role
from dangol.analytics.olap.permissions import OLAP_ROLES

# Model cards hold company-wide figures: the roles that may query the warehouse.
MODEL_VIEW_ROLES = OLAP_ROLES
# Training and scoring rewrite every customer's scores: managers and analysts (and admins).
MODEL_RUN_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.ANALYST})


def model_may_view(user) -> bool:
    """Return whether ``user`` may open the model pages and the at-risk list."""
    return user_role(user) in MODEL_VIEW_ROLES


def model_may_run(user) -> bool:
    """Return whether ``user`` may start a training or scoring job."""
    return user_role(user) in MODEL_RUN_ROLES
