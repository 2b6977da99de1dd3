"""Who may see and work which tickets.

A ticket is as visible as its customer (``customers.permissions.can_see``). Working a
ticket (reply, assign, change status) is for the service desk (admin, manager, service)
and for a salesperson on their own customers' tickets; marketing and analysts read only.
"""

from __future__ import annotations

from dangol.accounts.roles import Role, user_role
from dangol.customers import permissions as customer_permissions

ROLES_WORKING_TICKETS = frozenset({Role.ADMIN, Role.MANAGER, Role.SERVICE, Role.SALES})
ROLES_AGENTS = frozenset({Role.ADMIN, Role.MANAGER, Role.SERVICE, Role.SALES})
ROLES_CONFIGURING = frozenset({Role.ADMIN, Role.MANAGER})


def can_see_ticket(user, ticket) -> bool:
    return user_role(user) is not None and customer_permissions.can_see(user, ticket.customer)


def can_work_ticket(user, ticket) -> bool:
    return user_role(user) in ROLES_WORKING_TICKETS and can_see_ticket(user, ticket)


def can_open_ticket(user, customer) -> bool:
    return user_role(user) in ROLES_WORKING_TICKETS and customer_permissions.can_see(user, customer)


def can_be_assigned(user) -> bool:
    return user.is_active and user_role(user) in ROLES_AGENTS


def can_configure(user) -> bool:
    return user_role(user) in ROLES_CONFIGURING


ROLES_READING_REPORTS = frozenset({Role.ADMIN, Role.MANAGER, Role.SERVICE, Role.ANALYST})


def can_read_reports(user) -> bool:
    return user_role(user) in ROLES_READING_REPORTS
