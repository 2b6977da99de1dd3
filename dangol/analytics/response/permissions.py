"""Who may build campaign response models and who may write their scores to customers.

Modelling reads company-wide data, like the OLAP cube: admins, managers, marketing and
analysts. Scoring writes a field of every scored customer: analysts change no customer
data, so only admins, managers and marketing may score.
"""

from __future__ import annotations

from dangol.accounts.roles import Role, user_role

MODEL_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETING, Role.ANALYST})
SCORE_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETING})


def response_may_model(user) -> bool:
    """Return whether ``user`` may create studies and train and read response models."""
    return user_role(user) in MODEL_ROLES


def response_may_score(user) -> bool:
    """Return whether ``user`` may write response probabilities to customers."""
    return user_role(user) in SCORE_ROLES
