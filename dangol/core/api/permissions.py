"""The API's coarse gate: a signed-in user with a role. Fine rules live in services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from dangol.accounts.roles import user_role


class HasRole(BasePermission):
    """Let in authenticated users who have a Dangol role (a user without one sees nothing)."""

    message = _("Your account has no role in Dangol; ask an administrator for one.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        return user_role(user) is not None
