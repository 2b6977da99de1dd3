"""Who may import what from the UI: exactly the write rules of the services.

A bulk import upserts by key, touching any record with that key, every column the file
has, without asking whose record it is. So a kind is open to a role only where that
role's service rights already cover every record of the kind:

- customers and contacts: roles that see every customer and may change every field
  (``customers.permissions``): administrators;
- orders: roles that write orders and see every customer (``sales.services``):
  administrators (managers and sales write the orders of their own customers only);
- products: the catalogue writers (``catalog.services``): administrators and managers;
- category budgets: customer data without a service of their own, so as customers;
- tickets: the roles that work tickets (``service.permissions``) and see every customer:
  administrators and customer service;
- opportunities: the sellers (``sales.pipeline_services``) who see every customer:
  administrators (managers and sales work the opportunities of their own customers).

The command line runs as the system, as the demo generator does.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dangol.accounts.roles import user_role
from dangol.catalog.services import ROLES_WRITING_CATALOG
from dangol.customers.permissions import EDITABLE_FIELDS, ROLE_EDITABLE_FIELDS, ROLES_SEEING_ALL
from dangol.sales.pipeline_services import ROLES_SELLING
from dangol.sales.services import ROLES_WRITING_ORDERS
from dangol.service.permissions import ROLES_WORKING_TICKETS

_CUSTOMER_WRITERS = frozenset(
    r for r in ROLES_SEEING_ALL if ROLE_EDITABLE_FIELDS.get(r) == EDITABLE_FIELDS
)
# UI kind: (label, importer kind, roles).
UI_KINDS = {
    "customers": (_("Customers"), "customers", _CUSTOMER_WRITERS),
    "contacts": (_("Contacts (vCard, Google, Outlook)"), "customers", _CUSTOMER_WRITERS),
    "products": (_("Products"), "products", frozenset(ROLES_WRITING_CATALOG)),
    "orders": (_("Orders"), "orders", frozenset(ROLES_WRITING_ORDERS) & ROLES_SEEING_ALL),
    "budgets": (_("Category budgets"), "budgets", _CUSTOMER_WRITERS),
    "tickets": (_("Tickets"), "tickets", ROLES_WORKING_TICKETS & ROLES_SEEING_ALL),
    "opportunities": (_("Opportunities"), "opportunities", ROLES_SELLING & ROLES_SEEING_ALL),
}
IMPORT_ROLES = frozenset().union(*(roles for _label, _kind, roles in UI_KINDS.values()))


def can_import(user, ui_kind: str) -> bool:
    """Return whether ``user`` may import ``ui_kind`` from the UI."""
    entry = UI_KINDS.get(ui_kind)
    return entry is not None and user_role(user) in entry[2]


def import_kinds(user) -> list[tuple[str, str]]:
    """Return the ``(kind, label)`` choices ``user`` may import."""
    role = user_role(user)
    return [(kind, label) for kind, (label, _k, roles) in UI_KINDS.items() if role in roles]
