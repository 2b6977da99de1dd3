"""Writes of the portals: accounts, partner assignments, what customers and partners do.

A portal user acts only on the one customer or partner their account names; every
function here takes that record from the account, never from the request, so no id in a
URL or form can reach anyone else's data.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from dangol.accounts.roles import Role, user_role
from dangol.accounts.security.passwords import user_password_check
from dangol.portal.errors import PermissionDeniedError, PortalErrorCode, ValidationError
from dangol.portal.models import Partner, PartnerCustomer, PartnerLead, PortalAccount

ROLES_MANAGING_PORTALS = frozenset({Role.ADMIN, Role.MANAGER})


def _require_manager(actor) -> None:
    if user_role(actor) not in ROLES_MANAGING_PORTALS:
        raise PermissionDeniedError(
            "Only administrators and managers manage portal access",
            code=PortalErrorCode.PERMISSION_DENIED,
        )


@transaction.atomic
def portal_account_create(
    *, actor, email: str, password: str | None = None, customer=None, partner=None
) -> PortalAccount:
    """Give a customer or a partner a portal login (``email`` is the user name).

    The login has no staff role: it opens the portal and nothing else.
    :raises ValidationError: both or neither of customer and partner, or the email is
        already a login.
    """
    _require_manager(actor)
    if (customer is None) == (partner is None):
        raise ValidationError(
            "A portal account is for one customer or one partner",
            code=PortalErrorCode.INVALID,
            field="customer",
        )
    email = (email or "").strip().lower()
    if "@" not in email:
        raise ValidationError(
            "A valid email address is required", code=PortalErrorCode.INVALID, field="email"
        )
    users = get_user_model()
    if users.objects.filter(username=email).exists():
        raise ValidationError(
            "This email is already a login", code=PortalErrorCode.DUPLICATE_LOGIN, field="email"
        )
    user = users(username=email, email=email, is_staff=False)
    if password:
        user_password_check(password=password, user=user)
        user.set_password(password)
    else:
        user.set_unusable_password()  # set through "forgot password" in production
    user.save()
    return PortalAccount.objects.create(user=user, customer=customer, partner=partner)


@transaction.atomic
def partner_create(*, actor, code: str, name: str) -> Partner:
    _require_manager(actor)
    return Partner.objects.create(code=code, name=name)


@transaction.atomic
def partner_customer_assign(*, actor, partner: Partner, customer) -> PartnerCustomer:
    """Let ``partner`` see ``customer`` and its orders."""
    _require_manager(actor)
    assignment, _ = PartnerCustomer.objects.get_or_create(partner=partner, customer=customer)
    return assignment


@transaction.atomic
def partner_lead_register(*, partner: Partner, **fields) -> PartnerLead:
    """Register a lead for ``partner`` (source partner); the partner follows its status."""
    from dangol.sales.pipeline_services import lead_capture

    fields.pop("source", None)
    lead = lead_capture(actor=None, source="partner", **fields)
    return PartnerLead.objects.create(partner=partner, lead=lead)
