"""Edit a record's custom-field values: one page for customers, opportunities, tickets
and products. It reads the record through its app's selector (visibility applied) and
writes through its app's service, so the roles and validation are those of that app.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dangol.core.customfields.models import CustomFieldEntity


def record_get(*, entity: str, user, pk: int):
    """Return the record ``pk`` of ``entity`` as ``user`` may see it (NotFoundError if not)."""
    if entity == CustomFieldEntity.CUSTOMER:
        from dangol.customers.selectors import customer_get

        return customer_get(user=user, pk=pk)
    if entity == CustomFieldEntity.OPPORTUNITY:
        from dangol.sales.pipeline_selectors import opportunity_get

        return opportunity_get(user=user, pk=pk)
    if entity == CustomFieldEntity.TICKET:
        from dangol.service.selectors import ticket_get

        return ticket_get(user=user, pk=pk)
    from dangol.catalog.selectors import product_get

    return product_get(pk=pk)


def record_custom_fields_set(
    *, entity: str, actor, record, values: dict[str, Any], expected_version: int | None = None
):
    """Write ``values`` through the service of ``record``'s app; return the record.

    :param expected_version: the version the editor read (customers, opportunities,
        tickets); ``None`` means the one just read with ``record``.
    """
    version = getattr(record, "version", None) if expected_version is None else expected_version
    if entity == CustomFieldEntity.CUSTOMER:
        from dangol.customers.services import customer_update

        return customer_update(
            actor=actor, customer=record, expected_version=version, custom_fields=values
        )
    if entity == CustomFieldEntity.OPPORTUNITY:
        from dangol.sales.pipeline_services import opportunity_custom_fields_set

        return opportunity_custom_fields_set(
            actor=actor, opportunity=record, values=values, expected_version=version
        )
    if entity == CustomFieldEntity.TICKET:
        from dangol.service.services import ticket_update

        return ticket_update(actor=actor, ticket=record, version=version, custom_fields=values)
    from dangol.catalog.services import product_update

    return product_update(actor=actor, product=record, custom_fields=values)


def record_url(*, entity: str, record) -> str:
    """Return the page of ``record`` (products: the product list)."""
    if entity == CustomFieldEntity.CUSTOMER:
        return reverse("customers:detail", args=[record.pk])
    if entity == CustomFieldEntity.OPPORTUNITY:
        return reverse("pipeline:opportunity_detail", args=[record.pk])
    if entity == CustomFieldEntity.TICKET:
        return reverse("service:ticket_detail", args=[record.pk])
    return reverse("catalog:product_list")
