"""The API's coarse gate: a signed-in user with a role. Fine rules live in services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from dangol.accounts.roles import user_role


class HasRole(BasePermission):
    """Let in authenticated users who have a Dangol role (a user without one sees nothing)."""

    message = _("Your account has no role in Dangol; ask an administrator for one.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        return user_role(user) is not None


class ReadWriteRole(HasRole):
    """Let a role read (GET, and POSTs a view marks ``read_only_post``) or write.

    Subclasses name the two checks of their app: ``can_read(user)`` and ``can_write(user)``.
    """

    can_read = staticmethod(lambda user: False)
    can_write = staticmethod(lambda user: False)

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS or getattr(view, "read_only_post", False):
            return self.can_read(request.user)
        return self.can_write(request.user)
