"""Reads of the touchpoint log: a customer's timeline."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from dangol.core.prepared import PreparedQuery
from dangol.touchpoints.models import Interaction

DEFAULT_TIMELINE_LIMIT = 50


def customer_timeline(*, customer, limit: int = DEFAULT_TIMELINE_LIMIT) -> list[Interaction]:
    """Return the latest ``limit`` interactions with ``customer``, newest first.

    Each item gets ``related_order_id`` (the order it concerns, else ``None``) so the
    page can link to the order without loading it. The caller has already checked that
    the customer is visible.
    """
    if limit == DEFAULT_TIMELINE_LIMIT:
        items = _latest_interactions(customer.pk)
    else:
        items = list(_latest_interactions_query(customer.pk, limit))
    order_type = ContentType.objects.get_by_natural_key("sales", "order")
    for item in items:
        concerns_order = item.subject_type_id == order_type.pk and item.subject_id
        item.related_order_id = item.subject_id if concerns_order else None
    return items


def _latest_interactions_query(customer_id: int, limit: int = DEFAULT_TIMELINE_LIMIT):
    return (
        Interaction.objects.filter(customer_id=customer_id)
        .select_related("user")
        .order_by("-occurred_at", "-id")[:limit]
    )


# The 360 page's timeline: compiled once per connection (core/prepared.py).
_latest_interactions = PreparedQuery(_latest_interactions_query)
