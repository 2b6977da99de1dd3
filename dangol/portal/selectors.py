"""Reads of the portals, each bounded by the portal account's own customer or partner."""

from __future__ import annotations

from dangol.portal.errors import NotFoundError
from dangol.portal.models import PartnerCustomer, PartnerLead, PortalAccount


def portal_account_for(user) -> PortalAccount | None:
    """Return ``user``'s portal account, or ``None`` for staff and anonymous users."""
    if not getattr(user, "is_authenticated", False):
        return None
    return PortalAccount.objects.select_related("customer", "partner").filter(user=user).first()


def partner_customer_ids(*, partner) -> list[int]:
    return list(
        PartnerCustomer.objects.filter(partner=partner).values_list("customer_id", flat=True)
    )


def partner_customers(*, partner) -> list:
    from dangol.customers.models import Customer

    return list(
        Customer.objects.filter(
            pk__in=partner_customer_ids(partner=partner), deleted_at__isnull=True
        ).order_by("name")
    )


def partner_customer_get(*, partner, pk: int):
    """Return customer ``pk`` if it is assigned to ``partner`` and not in the trash;
    otherwise it does not exist."""
    from dangol.customers.models import Customer

    if not PartnerCustomer.objects.filter(partner=partner, customer_id=pk).exists():
        raise NotFoundError("No such customer", field="customer")
    customer = Customer.objects.filter(pk=pk, deleted_at__isnull=True).first()
    if customer is None:
        raise NotFoundError("No such customer", field="customer")
    return customer


def partner_leads(*, partner) -> list:
    return [
        link.lead
        for link in PartnerLead.objects.filter(partner=partner)
        .select_related("lead")
        .order_by("-id")
    ]
