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
    assert stale.json()["current_version"] == 2
    assert Customer.objects.get(pk=customer.pk).city == "Busan"


def test_customer_api_write_without_a_version_is_428(customer, sales):
    blind = token_client(sales).patch(f"/api/v1/customers/{customer.pk}/", {"city": "Daegu"})
    assert blind.status_code == 428
    assert blind["Content-Type"] == PROBLEM
    assert Customer.objects.get(pk=customer.pk).version == 1


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


# A write that says nothing about the version it read is refused (428): it could only be
# last-writer-wins. ``If-Match`` with the GET's ``ETag`` works like the body's version,
# and a stale one is 412 naming the current version.


def test_ticket_api_etag_if_match_and_428(ticket, service, manager):
    first, second = token_client(service), token_client(manager)
    url = f"/api/v1/tickets/{ticket.pk}/"
    etag = first.get(url)["ETag"]
    assert etag == f'"{ticket.version}"'
    assert second.get(url)["ETag"] == etag

    blind = second.patch(url, {"priority": "low"})
    assert (blind.status_code, blind.json()["code"]) == (428, "precondition_required")
    ok = first.patch(url, {"priority": "high"}, HTTP_IF_MATCH=etag)
    assert ok.status_code == 200
    assert ok["ETag"] == f'"{ticket.version + 1}"'
    stale = second.patch(url, {"priority": "low"}, HTTP_IF_MATCH=etag)
    assert (stale.status_code, stale["Content-Type"]) == (412, PROBLEM)
    assert stale.json()["current_version"] == ticket.version + 1
    assert stale["ETag"] == f'"{ticket.version + 1}"'
    assert Ticket.objects.get(pk=ticket.pk).priority == "high"


def test_opportunity_api_etag_if_match_and_428(opportunity, sales, manager):
    first, second = token_client(sales), token_client(manager)
    url = f"/api/v1/opportunities/{opportunity.pk}/"
    etag = first.get(url)["ETag"]
    assert etag == f'"{opportunity.version}"'

    blind = second.patch(url, {"stage": "lost", "loss_reason": "price"})
    assert (blind.status_code, blind.json()["code"]) == (428, "precondition_required")
    assert first.patch(url, {"stage": "proposal"}, HTTP_IF_MATCH=etag).status_code == 200
    stale = second.patch(url, {"stage": "lost", "loss_reason": "price"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["current_version"] == opportunity.version + 1
    assert Opportunity.objects.get(pk=opportunity.pk).stage.code == "proposal"


def test_customer_api_write_between_read_and_save_is_412_with_if_match(
    customer, sales, monkeypatch
):
    """The view's If-Match check passes, then someone saves before the locked write."""
    from dangol.customers import api as customers_api
    from dangol.customers import services as customer_services

    real_update = customer_services.customer_update

    def racing_update(**kwargs):
        Customer.objects.filter(pk=customer.pk).update(city="Ulsan", version=2)
        return real_update(**kwargs)

    monkeypatch.setattr(customers_api, "customer_update", racing_update)
    stale = token_client(sales).patch(
        f"/api/v1/customers/{customer.pk}/", {"city": "Daegu"}, HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert Customer.objects.get(pk=customer.pk).city == "Ulsan"


# Permission comes before the precondition: a user who may not write gets 403 whatever
# they sent (no If-Match, no version), never 428; a writer without a version gets 428.


@pytest.mark.parametrize(
    ("method", "path", "body", "reader", "writer"),
    [
        ("patch", "/api/v1/customers/{customer}/", {"city": "Daegu"}, "analyst", "sales"),
        ("delete", "/api/v1/customers/{customer}/", None, "sales", "manager"),
        ("patch", "/api/v1/tickets/{ticket}/", {"priority": "low"}, "analyst", "service"),
        (
            "patch",
            "/api/v1/opportunities/{opportunity}/",
            {"stage": "proposal"},
            "marketing",
            "sales",
        ),
    ],
)
def test_a_user_without_write_permission_gets_403_before_the_428(
    request, customer, ticket, opportunity, method, path, body, reader, writer
):
    url = path.format(customer=customer.pk, ticket=ticket.pk, opportunity=opportunity.pk)
    versions = (customer.version, ticket.version, opportunity.version)
    read_only = token_client(request.getfixturevalue(reader))
    args = (url, body) if body is not None else (url,)

    denied = getattr(read_only, method)(*args)

    assert (denied.status_code, denied["Content-Type"]) == (403, PROBLEM)
    writer_client = token_client(request.getfixturevalue(writer))
    blind = getattr(writer_client, method)(*args)
    assert (blind.status_code, blind.json()["code"]) == (428, "precondition_required")
    customer.refresh_from_db()
    ticket.refresh_from_db()
    opportunity.refresh_from_db()
    assert (customer.version, ticket.version, opportunity.version) == versions
    assert customer.deleted_at is None
