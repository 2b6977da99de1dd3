"""The customer timeline endpoints: reading the newest entries and logging contacts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dangol.core.tests.api_support import clean_throttle, token_client
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.tests.factories import OrderFactory
from dangol.touchpoints.models import Interaction
from dangol.touchpoints.tests.factories import InteractionFactory

__all__ = ["clean_throttle"]


def timeline(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/interactions/"


@pytest.mark.django_db
class TestInteractionApi:
    def test_log_a_contact_about_an_order(self, service):
        customer = CustomerFactory()
        order = OrderFactory(customer=customer)

        response = token_client(service).post(
            timeline(customer),
            {
                "channel": "phone",
                "direction": "inbound",
                "subject": "  Where is   my parcel? ",
                "order": order.pk,
            },
        )

        assert response.status_code == 201
        body = response.json()
        assert (body["subject"], body["order"], body["user"]) == (
            "Where is my parcel?",
            order.pk,
            service.pk,
        )
        assert Interaction.objects.get(pk=body["id"]).subject_id == order.pk

    def test_an_order_of_another_customer_is_refused(self, service):
        customer = CustomerFactory()
        other_order = OrderFactory()

        response = token_client(service).post(
            timeline(customer),
            {"channel": "phone", "direction": "inbound", "subject": "x", "order": other_order.pk},
        )

        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["order"]

    def test_read_the_newest_first_with_a_limit(self, analyst):
        customer = CustomerFactory()
        now = timezone.now()
        old = InteractionFactory(customer=customer, occurred_at=now - dt.timedelta(days=2))
        new = InteractionFactory(customer=customer, occurred_at=now - dt.timedelta(days=1))
        client = token_client(analyst)

        everything = client.get(timeline(customer)).json()
        newest = client.get(timeline(customer), {"limit": 1}).json()
        too_many = client.get(timeline(customer), {"limit": 1000})

        assert [i["id"] for i in everything] == [new.pk, old.pk]
        assert [i["id"] for i in newest] == [new.pk]
        assert too_many.status_code == 400

    def test_unknown_channel_names_the_field(self, service):
        response = token_client(service).post(
            timeline(CustomerFactory()),
            {"channel": "pigeon", "direction": "inbound", "subject": "x"},
        )

        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["channel"]
