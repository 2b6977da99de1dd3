"""Small, stable dictionaries describing the records that webhook events carry.

Ids, names, codes and times only: no contact details, notes or secrets leave the CRM
through a webhook (a receiver that needs more reads the API with a token).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def customer_payload(customer) -> dict[str, Any]:
    """Describe a customer (also right before its deletion)."""
    return {
        "id": customer.pk,
        "external_id": customer.external_id or None,
        "kind": customer.kind,
        "name": customer.name,
        "status": customer.status,
        "region": customer.region or None,
        "customer_group_id": customer.customer_group_id,
        "owner_id": customer.owner_id,
        "version": customer.version,
        "created_at": _iso(customer.created_at),
        "updated_at": _iso(customer.updated_at),
    }


def order_payload(order) -> dict[str, Any]:
    """Describe an order with its line count and total (after line discounts)."""
    lines = list(order.lines.all())
    total = sum((line.quantity * line.unit_price - line.discount for line in lines), Decimal(0))
    return {
        "id": order.pk,
        "number": order.number,
        "customer_id": order.customer_id,
        "ordered_at": _iso(order.ordered_at),
        "channel": order.channel,
        "status": order.status,
        "line_count": len(lines),
        "total": str(total),
    }


def interaction_payload(interaction) -> dict[str, Any]:
    """Describe a logged contact (its subject, not its body)."""
    return {
        "id": interaction.pk,
        "customer_id": interaction.customer_id,
        "channel": interaction.channel,
        "direction": interaction.direction,
        "subject": interaction.subject,
        "outcome": interaction.outcome or None,
        "user_id": interaction.user_id,
        "occurred_at": _iso(interaction.occurred_at),
    }
