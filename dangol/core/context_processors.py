"""Template context shared by every page: the navigation and the user's role."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dangol.accounts.roles import ROLE_LABELS, user_role

NAVIGATION = [
    ("customers", _("Customers"), "customers:list"),
    ("catalog", _("Products"), "catalog:product_list"),
    ("sales", _("Orders"), "sales:order_list"),
]


def navigation(request) -> dict:
    """Return the navigation entries and the current user's role for the layout."""
    role = user_role(getattr(request, "user", None))
    return {
        "nav_items": NAVIGATION,
        "user_role": role,
        "user_role_label": ROLE_LABELS.get(role, "") if role else "",
    }
