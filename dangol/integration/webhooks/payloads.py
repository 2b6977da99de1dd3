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


def opportunity_payload(opportunity) -> dict[str, Any]:
    """Describe an opportunity: stage, amount, expected close, owner."""
    return {
        "id": opportunity.pk,
        "name": opportunity.name,
        "customer_id": opportunity.customer_id,
        "stage": opportunity.stage.code,
        "amount": str(opportunity.amount),
        "expected_close": _iso(opportunity.expected_close),
        "channel": opportunity.channel,
        "owner_id": opportunity.owner_id,
        "closed_at": _iso(opportunity.closed_at),
        "loss_reason": opportunity.loss_reason or None,
        "version": opportunity.version,
    }


def ticket_payload(ticket) -> dict[str, Any]:
    """Describe a ticket (its subject, not its messages)."""
    return {
        "id": ticket.pk,
        "customer_id": ticket.customer_id,
        "subject": ticket.subject,
        "kind": ticket.kind,
        "channel": ticket.channel,
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee_id": ticket.assignee_id,
        "opened_at": _iso(ticket.opened_at),
        "resolution_due": _iso(ticket.resolution_due),
        "version": ticket.version,
    }
