"""Optimistic locking: two writers read the same version; the second is told, nothing is lost.

Customers, tickets and opportunities, through the API (409 problem+json) and the pages
(the message asks to reload), with two separate sessions as two people would have.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from dangol.core.tests.api_support import PROBLEM, clean_throttle, token_client
from dangol.customers.models import Customer
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.models import Opportunity
from dangol.sales.pipeline_services import opportunity_create
from dangol.service.models import Ticket
from dangol.service.services import ticket_open

__all__ = ["clean_throttle"]


@pytest.fixture
def customer(sales):
    return CustomerFactory(name="Locking customer", owner=sales, city="Seoul")


def test_customer_api_second_writer_gets_409_and_the_first_change_stays(customer, sales, manager):
    first, second = token_client(sales), token_client(manager)
    read_1 = first.get(f"/api/v1/customers/{customer.pk}/").json()
    read_2 = second.get(f"/api/v1/customers/{customer.pk}/").json()
    assert read_1["version"] == read_2["version"] == 1
    ok = first.patch(
        f"/api/v1/customers/{customer.pk}/", {"city": "Busan", "version": read_1["version"]}
    )
    assert ok.status_code == 200
    stale = second.patch(
        f"/api/v1/customers/{customer.pk}/", {"city": "Daegu", "version": read_2["version"]}
    )
    assert stale.status_code == 409
    assert stale["Content-Type"] == PROBLEM
    body = stale.json()
    assert body["status"] == 409
    assert "changed by someone else" in body["detail"]
    customer.refresh_from_db()
    assert (customer.city, customer.version) == ("Busan", 2)
    # Re-reading and sending the new version succeeds: nothing is stuck.
    again = second.patch(f"/api/v1/customers/{customer.pk}/", {"city": "Daegu", "version": 2})
    assert again.status_code == 200
    assert Customer.objects.get(pk=customer.pk).city == "Daegu"


def test_customer_api_if_match_header_stale_gets_412(customer, sales):
    client = token_client(sales)
    client.patch(f"/api/v1/customers/{customer.pk}/", {"city": "Busan", "version": 1})
    stale = client.patch(
        f"/api/v1/customers/{customer.pk}/", {"city": "Daegu"}, HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412
    assert Customer.objects.get(pk=customer.pk).city == "Busan"


@pytest.fixture
def ticket(customer, service):
    return ticket_open(
        actor=service, customer=customer, subject="Broken", body="It broke", channel="email"
    )


def test_ticket_api_second_writer_gets_409(ticket, service, manager):
    first, second = token_client(service), token_client(manager)
    version = first.get(f"/api/v1/tickets/{ticket.pk}/").json()["version"]
    assert (
        first.patch(
            f"/api/v1/tickets/{ticket.pk}/", {"priority": "high", "version": version}
        ).status_code
        == 200
    )
    stale = second.patch(f"/api/v1/tickets/{ticket.pk}/", {"priority": "low", "version": version})
    assert stale.status_code == 409
    assert stale["Content-Type"] == PROBLEM
    assert "Someone else changed this ticket" in stale.json()["detail"]
    assert Ticket.objects.get(pk=ticket.pk).priority == "high"


def test_ticket_page_second_writer_is_asked_to_reload(ticket, service, manager):
    first, second = Client(), Client()
    first.force_login(service)
    second.force_login(manager)
    version = ticket.version
    url = f"/service/tickets/{ticket.pk}/status/"
    assert first.post(url, {"status": "pending", "version": version}).status_code == 302
    stale = second.post(url, {"status": "resolved", "version": version})
    assert stale.status_code == 400
    assert "Someone else changed this ticket since you opened it; reload" in (
        stale.content.decode()
    )
    assert Ticket.objects.get(pk=ticket.pk).status == "pending"


@pytest.fixture
def opportunity(sales, customer):
    return opportunity_create(
        actor=sales,
        customer=customer,
        name="Fleet renewal",
        amount=5_000_000,
        expected_close=dt.date(2030, 1, 1),
        channel="field",
    )


def test_opportunity_api_second_mover_gets_409(opportunity, sales, manager):
    first, second = token_client(sales), token_client(manager)
    version = opportunity.version
    url = f"/api/v1/opportunities/{opportunity.pk}/"
    assert first.patch(url, {"stage": "won", "version": version}).status_code == 200
    stale = second.patch(url, {"stage": "lost", "loss_reason": "price", "version": version})
    assert stale.status_code == 409
    assert stale["Content-Type"] == PROBLEM
    assert "Someone else moved this opportunity" in stale.json()["detail"]
    assert Opportunity.objects.get(pk=opportunity.pk).stage.code == "won"


def test_opportunity_board_second_mover_is_told_to_reload(opportunity, sales, manager):
    first, second = Client(), Client()
    first.force_login(sales)
    second.force_login(manager)
    url = f"/pipeline/opportunities/{opportunity.pk}/move/"
    version = opportunity.version
    assert first.post(url, {"stage": "proposal", "version": version}).status_code == 200
    stale = second.post(url, {"stage": "won", "version": version})
    assert stale.status_code == 409
    assert stale.json()["error"] == "Someone else moved this opportunity; reload the board"
    assert Opportunity.objects.get(pk=opportunity.pk).stage.code == "proposal"
