"""The agent workspace: find the caller, see their tickets and timeline, log the call."""

import pytest
from django.urls import reverse

from dangol.customers.models import CustomerScore
from dangol.customers.tests.factories import CustomerFactory
from dangol.service.services import ticket_open
from dangol.touchpoints.models import Interaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def caller(sales):
    customer = CustomerFactory(owner=sales, name="오세영", phone="010-4444-5555")
    CustomerScore.objects.create(customer=customer, value_tier="top", churn_probability=0.82)
    ticket_open(actor=sales, customer=customer, subject="Billing", body="x", channel="phone")
    return customer


def test_a_phone_number_in_any_format_opens_the_callers_workspace(client, service, caller):
    client.force_login(service)
    response = client.get(reverse("service:agent"), {"q": "+82 10 4444 5555"})
    assert response.url == reverse("service:agent_customer", args=[caller.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    assert b"data-tier" in page.content and b"0.82" in page.content
    assert [t.subject for t in page.context["tickets"]] == ["Billing"]


def test_logging_the_call_puts_it_on_the_timeline(client, service, caller):
    client.force_login(service)
    response = client.post(
        reverse("service:agent_customer", args=[caller.pk]),
        {
            "channel": "phone",
            "direction": "inbound",
            "subject": "Asked about bill",
            "outcome": "resolved",
        },
    )
    assert response.status_code == 302
    entry = Interaction.objects.get(customer=caller, subject="Asked about bill")
    assert (entry.user, entry.outcome) == (service, "Resolved on the call")


def test_analysts_and_other_teams_do_not_get_the_workspace(client, analyst, other_sales, caller):
    client.force_login(analyst)
    assert client.get(reverse("service:agent")).status_code == 403
    client.force_login(other_sales)
    assert client.get(reverse("service:agent_customer", args=[caller.pk])).status_code == 404
