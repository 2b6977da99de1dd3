"""The audited, soft-deletable kinds of record and who may trash, restore or purge them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangol.accounts.roles import Role, user_role
from dangol.core.audit.errors import AuditErrorCode, NotFoundError, ValidationError

ROLES_TRASHING = frozenset({Role.ADMIN, Role.MANAGER})


@dataclass(frozen=True)
class Kind:
    """One kind of audited record: its model and how to find the customer it belongs to."""

    code: str
    label: str
    model_path: str
    customer_attr: str  # "" for the customer itself
    url_name: str

    @property
    def model(self) -> type[models.Model]:
        from django.apps import apps

        return apps.get_model(self.model_path)

    def customer_of(self, instance):
        return instance if not self.customer_attr else getattr(instance, self.customer_attr)


KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind("customer", _("Customers"), "customers.Customer", "", "customers:detail"),
        Kind("order", _("Orders"), "sales.Order", "customer", "sales:order_detail"),
        Kind("ticket", _("Tickets"), "service.Ticket", "customer", "service:ticket_detail"),
        Kind(
            "opportunity",
            _("Opportunities"),
            "sales.Opportunity",
            "customer",
            "pipeline:opportunity_detail",
        ),
    )
}


def kind_get(code: str) -> Kind:
    """Return the kind named ``code`` or raise ``ValidationError``."""
    try:
        return KINDS[code]
    except KeyError as exc:
        raise ValidationError(
            f"Unknown kind of record {code!r} (one of {', '.join(KINDS)})",
            code=AuditErrorCode.UNKNOWN_KIND,
            field="kind",
        ) from exc


def kind_of(instance: models.Model) -> Kind:
    label = instance._meta.label
    for kind in KINDS.values():
        if kind.model_path == label:
            return kind
    raise ValidationError(f"{label} has no history", code=AuditErrorCode.UNKNOWN_KIND)


def can_see(user, instance) -> bool:
    """Return whether ``user`` may see ``instance`` (it is as visible as its customer)."""
    from dangol.customers import permissions

    return user_role(user) is not None and permissions.can_see(
        user, kind_of(instance).customer_of(instance)
    )


def can_trash(user, instance) -> bool:
    """Admins, and managers for records of customers they see, move records to the trash."""
    return user_role(user) in ROLES_TRASHING and can_see(user, instance)


def can_revert(user, instance) -> bool:
    """Return whether ``user`` may change ``instance`` at all (a revert is a change).

    The revert's own service still applies the field-level rules; this is the coarse
    answer that lets a refused role get 403 before anything is parsed.
    """
    if not can_see(user, instance):
        return False
    code = kind_of(instance).code
    if code == "customer":
        from dangol.customers.permissions import editable_fields

        return bool(editable_fields(user, instance))
    if code == "order":
        from dangol.sales.services import can_write_orders

        return can_write_orders(user, instance.customer)
    if code == "ticket":
        from dangol.service.permissions import can_work_ticket

        return can_work_ticket(user, instance)
    from dangol.sales.pipeline_services import can_work_opportunity

    return can_work_opportunity(user, instance)


def can_see_trash(user) -> bool:
    return user_role(user) in ROLES_TRASHING


def can_purge(user) -> bool:
    """Only administrators delete permanently."""
    return user_role(user) is Role.ADMIN


def record_get(*, user, kind: str, pk: int) -> models.Model:
    """Return record ``pk`` of ``kind`` (trashed or not) if ``user`` may see it."""
    instance = kind_get(kind).model.objects.filter(pk=pk).first()
    if instance is None or not can_see(user, instance):
        raise NotFoundError("No such record")
    return instance
