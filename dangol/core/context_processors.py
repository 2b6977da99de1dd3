"""Template context shared by every page: the navigation, the user's role, the currency."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dangol.accounts.roles import ROLE_LABELS, Role, user_role
from dangol.analytics.olap.permissions import OLAP_ROLES
from dangol.automation.permissions import AUTOMATION_READ_ROLES
from dangol.core.audit.kinds import ROLES_TRASHING as TRASH_ROLES
from dangol.core.template_cache import translations_generation
from dangol.integration.permissions import IMPORT_ROLES
from dangol.marketing.permissions import MARKETING_READ_ROLES
from dangol.sales.pipeline_services import ROLES_SELLING as SELLING_ROLES

# (key, label, URL name, who may open it); the key is the URL namespace that marks the
# entry as current; ``None`` means every staff role.
NAVIGATION = [
    ("home", _("Home"), "home", None),
    ("customers", _("Customers"), "customers:list", None),
    ("catalog", _("Products"), "catalog:product_list", None),
    ("sales", _("Orders"), "sales:order_list", None),
    ("pipeline", _("Pipeline"), "pipeline:board", SELLING_ROLES),
    ("service", _("Service"), "service:ticket_list", None),
    ("analytics", _("Analytics"), "analytics:home", OLAP_ROLES),
    ("webanalytics", _("Web analytics"), "webanalytics:home", OLAP_ROLES),
    ("marketing", _("Marketing"), "marketing:dashboard", MARKETING_READ_ROLES),
    ("integration", _("Imports"), "integration:imports", IMPORT_ROLES),
    ("automation", _("Automation"), "automation:rule_list", AUTOMATION_READ_ROLES),
    ("customfields", _("Custom fields"), "customfields:list", (Role.ADMIN,)),
    ("audit", _("Trash"), "audit:trash", TRASH_ROLES),
]


# (resolver, script prefix) -> {URL name: path}: what ``reverse`` returns cannot change
# while both stay the same (``clear_url_caches`` makes a new resolver).
_NAV_URLS: dict[tuple, dict[str, str]] = {}


def _nav_urls() -> dict[str, str]:
    """Return the navigation's URLs, reversed once per URLconf and script prefix."""
    key = (get_resolver(get_urlconf()), get_script_prefix())
    urls = _NAV_URLS.get(key)
    if urls is None:
        urls = {url_name: reverse(url_name) for _k, _l, url_name, _r in NAVIGATION}
        if len(_NAV_URLS) > 32:  # a test that swaps URLconfs over and over
            _NAV_URLS.clear()
        _NAV_URLS[key] = urls
    return urls


# (language, translations generation) -> the labels in NAVIGATION's order: each page
# printed every label through gettext again.
_NAV_LABELS: dict[tuple, list[str]] = {}


def _nav_labels() -> list[str]:
    """Return the navigation's labels in the current language, translated once per language."""
    key = (get_language(), translations_generation())
    labels = _NAV_LABELS.get(key)
    if labels is None:
        labels = [str(label) for _k, label, _u, _r in NAVIGATION]
        if len(_NAV_LABELS) > 32:
            _NAV_LABELS.clear()
        _NAV_LABELS[key] = labels
    return labels


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url: str
    active: bool


def navigation(request) -> dict:
    """Return the navigation entries, the user's role and the currency for the layout."""
    user = getattr(request, "user", None)
    role = user_role(user)
    match = getattr(request, "resolver_match", None)
    # Namespaced apps are marked by namespace; the home page (no namespace) by its name.
    current = (match.namespace or match.url_name or "") if match is not None else ""
    urls = _nav_urls()
    labels = _nav_labels()
    nav_items = (
        [
            NavItem(key=key, label=labels[i], url=urls[url_name], active=key == current)
            for i, (key, _label, url_name, roles) in enumerate(NAVIGATION)
            if roles is None or role in roles
        ]
        if user is not None and user.is_authenticated
        else []
    )
    return {
        "nav_items": nav_items,
        "user_role": role,
        "user_role_label": ROLE_LABELS.get(role, "") if role else "",
        "currency": settings.DANGOL_CURRENCY,
    }
