"""Many timeline entries at once: validated first, written set-based, webhooks kept."""

from __future__ import annotations

import datetime as dt

import pytest

from dangol.customers.tests.factories import CustomerFactory
from dangol.integration.webhooks.models import WebhookDelivery, WebhookEndpoint
from dangol.sales.models import Order
from dangol.touchpoints.bulk import InteractionEntry, concerns_key, interactions_log_bulk
from dangol.touchpoints.errors import ValidationError
from dangol.touchpoints.models import Interaction

pytestmark = pytest.mark.django_db
WHEN = dt.datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=dt.UTC)


def _entry(customer, **overrides):
    values = {
        "customer_id": customer.pk,
        "channel": "email",
        "direction": "outbound",
        "subject": "  Campaign   sent ",
        "occurred_at": WHEN,
        "body": " the offer ",
    }
    return InteractionEntry(**{**values, **overrides})


def test_entries_are_written_as_interaction_log_would():
    ann, bob = CustomerFactory(), CustomerFactory()
    order_type = concerns_key(Order)

    written = interactions_log_bulk(
        entries=[
            _entry(ann, subject_type_id=order_type, subject_id=7),
            _entry(bob, channel="sms", outcome="delivered", subject="x" * 300),
        ]
    )

    assert written == 2
    rows = list(Interaction.objects.order_by("customer_id"))
    assert [
        (r.customer_id, r.channel, r.direction, r.subject, r.body, r.outcome, r.user_id)
        for r in rows
    ] == [
        (ann.pk, "email", "outbound", "Campaign sent", "the offer", "", None),
        (bob.pk, "sms", "outbound", "x" * 200, "the offer", "delivered", None),
    ]
    assert [r.occurred_at for r in rows] == [WHEN, WHEN]
    assert (rows[0].subject_type_id, rows[0].subject_id) == (order_type, 7)
    # Stored in the database's own datetime format: an exact lookup finds both.
    assert sorted(Interaction.objects.filter(occurred_at=WHEN).values_list("pk", flat=True)) == [
        r.pk for r in rows
    ]


def test_one_bad_entry_writes_nothing():
    ann = CustomerFactory()
    with pytest.raises(ValidationError) as error:
        interactions_log_bulk(entries=[_entry(ann), _entry(ann, channel="pigeon")])
    assert error.value.field == "channel"
    with pytest.raises(ValidationError):
        interactions_log_bulk(entries=[_entry(ann, subject="   ")])
    assert not Interaction.objects.exists()


def test_webhook_listeners_get_one_event_per_entry():
    ann = CustomerFactory()
    WebhookEndpoint.objects.create(
        url="https://hooks.example.test/in", event_types=["interaction.created"]
    )
    interactions_log_bulk(entries=[_entry(ann), _entry(ann, subject="Second")])
    deliveries = WebhookDelivery.objects.order_by("pk")
    assert [d.payload["data"]["subject"] for d in deliveries] == ["Campaign sent", "Second"]
