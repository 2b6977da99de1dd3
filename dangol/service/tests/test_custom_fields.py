"""Ticket custom fields: the log-a-ticket form, the service and the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dangol.core.customfields.errors import ValidationError
from dangol.core.customfields.services import custom_field_create
from dangol.core.tests.api_support import clean_throttle, token_client  # noqa: F401
from dangol.customers.tests.factories import CustomerFactory
from dangol.service.models import Ticket
from dangol.service.services import ticket_open, ticket_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def device(admin_user):
    return custom_field_create(
        actor=admin_user,
        entity="ticket",
        key="device",
        label="Device",
        field_type="choice",
        choices=["phone|Phone", "tv|TV"],
        required=True,
    )


def test_form_renders_and_saves_custom_fields(client, admin_user, device):
    customer = CustomerFactory()
    client.force_login(admin_user)
    url = reverse("service:ticket_new")
    assert "cf_device" in client.get(url).context["form"].fields
    data = {
        "customer": customer.pk,
        "channel": "phone",
        "kind": "request",
        "priority": "normal",
        "subject": "Broken",
        "body": "It broke",
    }

    missing = client.post(url, data)
    assert missing.status_code == 200
    assert missing.context["form"].errors["cf_device"]
    assert not Ticket.objects.exists()

    done = client.post(url, {**data, "cf_device": "tv"})
    assert done.status_code == 302
    assert Ticket.objects.get().custom_fields == {"device": "tv"}


def test_required_waits_for_staff_when_the_customer_opens(device):
    ticket = ticket_open(
        actor=None, customer=CustomerFactory(), subject="Hi", body="Help", channel="email"
    )
    assert ticket.custom_fields == {}


def test_update_validates_and_bumps_the_version(admin_user, device):
    ticket = ticket_open(
        actor=admin_user,
        customer=CustomerFactory(),
        subject="Hi",
        body="Help",
        channel="phone",
        custom_fields={"device": "phone"},
    )
    with pytest.raises(ValidationError):
        ticket_update(
            actor=admin_user, ticket=ticket, version=ticket.version, custom_fields={"device": "fax"}
        )

    ticket_update(actor=admin_user, ticket=ticket, version=1, custom_fields={"device": "tv"})

    ticket.refresh_from_db()
    assert (ticket.custom_fields, ticket.version) == ({"device": "tv"}, 2)


def test_api_shows_typed_custom_fields(admin_user, device):
    api = token_client(admin_user)
    customer = CustomerFactory()
    response = api.post(
        "/api/v1/tickets/",
        {
            "customer": customer.pk,
            "subject": "Hi",
            "body": "Help",
            "channel": "phone",
            "custom_fields": {"device": "tv"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["custom_fields"] == {"device": "tv"}
