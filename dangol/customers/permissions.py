"""Who may see and change which customers: the role rules in one place.

- admin: everything.
- manager: the customers owned by anyone in their team (or by themselves), all fields.
- sales: the customers they own, all fields but the owner.
- service: sees every customer, edits contact details and consent.
- marketing: sees every customer, edits consent and the acquisition channel.
- analyst: reads everything, edits nothing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dangol.accounts.roles import Role, user_role

EDITABLE_FIELDS = frozenset(
    {
        "kind",
        "company",
        "external_id",
        "name",
        "email",
        "phone",
        "gender",
        "birth_date",
        "region",
        "city",
        "customer_group",
        "acquisition_channel",
        "status",
        "owner",
        "custom_fields",
    }
)
CONTACT_FIELDS = frozenset({"email", "phone", "region", "city"})

ROLE_EDITABLE_FIELDS: dict[Role, frozenset[str]] = {
    Role.ADMIN: EDITABLE_FIELDS,
    Role.MANAGER: EDITABLE_FIELDS,
    Role.SALES: EDITABLE_FIELDS - {"owner"},
    Role.SERVICE: CONTACT_FIELDS,
    Role.MARKETING: frozenset({"acquisition_channel"}),
    Role.ANALYST: frozenset(),
}
ROLES_SEEING_ALL = frozenset({Role.ADMIN, Role.SERVICE, Role.MARKETING, Role.ANALYST})
ROLES_CREATING = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES, Role.SERVICE})
ROLES_SETTING_CONSENT = frozenset(
    {Role.ADMIN, Role.MANAGER, Role.SALES, Role.SERVICE, Role.MARKETING}
)
ROLES_LOGGING_INTERACTIONS = frozenset(
    {Role.ADMIN, Role.MANAGER, Role.SALES, Role.SERVICE, Role.MARKETING}
)


def visibility_filter(user) -> Q | None:
    """Return the filter limiting customers to those ``user`` may see.

    ``None`` means no limit; a filter matching nothing is returned for a user with no role.
    """
    role = user_role(user)
    if role in ROLES_SEEING_ALL:
        return None
    if role is Role.MANAGER:
        if user.team_id is None:
            return Q(owner_id=user.pk)
        return Q(owner__team_id=user.team_id) | Q(owner_id=user.pk)
    if role is Role.SALES:
        return Q(owner_id=user.pk)
    return Q(pk__in=[])


def visible_owner_ids(user) -> list[int] | None:
    """Return the owners whose customers ``user`` sees (``visibility_filter`` as a list).

    ``None`` means everyone's. The same rule as ``visibility_filter``, resolved to user ids
    first so a count over many customers can use the owner index instead of a join.
    """
    role = user_role(user)
    if role in ROLES_SEEING_ALL:
        return None
    if role is Role.MANAGER:
        if user.team_id is None:
            return [user.pk]
        from dangol.accounts.models import User

        members = User.objects.filter(team_id=user.team_id).values_list("pk", flat=True)
        return sorted({user.pk, *members})
    if role is Role.SALES:
        return [user.pk]
    return []


def restrict_visible(queryset: QuerySet, user) -> QuerySet:
    """Return ``queryset`` limited to what ``user`` may see."""
    condition = visibility_filter(user)
    return queryset if condition is None else queryset.filter(condition)


def can_see(user, customer) -> bool:
    """Return whether ``user`` may see ``customer``."""
    role = user_role(user)
    if role in ROLES_SEEING_ALL:
        return True
    if role is Role.MANAGER:
        if customer.owner_id == user.pk:
            return True
        return (
            user.team_id is not None
            and customer.owner_id is not None
            and customer.owner.team_id == user.team_id
        )
    if role is Role.SALES:
        return customer.owner_id == user.pk
    return False


def editable_fields(user, customer) -> frozenset[str]:
    """Return the fields of ``customer`` that ``user`` may change (empty if none)."""
    role = user_role(user)
    if role is None or not can_see(user, customer):
        return frozenset()
    return ROLE_EDITABLE_FIELDS[role]


def can_set_consent(user, customer) -> bool:
    return user_role(user) in ROLES_SETTING_CONSENT and can_see(user, customer)


def can_log_interaction(user, customer) -> bool:
    return user_role(user) in ROLES_LOGGING_INTERACTIONS and can_see(user, customer)


def can_create(user) -> bool:
    return user_role(user) in ROLES_CREATING


ROLES_DELETING = frozenset({Role.ADMIN, Role.MANAGER})


def can_delete(user, customer) -> bool:
    """Return whether ``user`` may delete ``customer`` (admins, and managers of its team)."""
    return user_role(user) in ROLES_DELETING and can_see(user, customer)
