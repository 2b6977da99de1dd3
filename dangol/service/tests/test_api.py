"""The tickets API: the role matrix, the same rules as the UI, lost updates, bad input."""

import pytest
from django.core import mail

from dangol.accounts.roles import Role
from dangol.core.tests.api_support import PROBLEM, clean_throttle, token_client
from dangol.customers.tests.factories import CustomerFactory
from dangol.service.services import ticket_open

__all__ = ["clean_throttle"]
pytestmark = pytest.mark.django_db

WORKERS = {Role.ADMIN, Role.MANAGER, Role.SALES, Role.SERVICE}


@pytest.fixture
def ticket(sales):
    customer = CustomerFactory(owner=sales)
    return ticket_open(
        actor=sales, customer=customer, subject="Refund", body="Please refund", channel="phone"
    )


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_role_matrix(role, users_by_role, ticket):
    client = token_client(users_by_role[role])
    writes = role in WORKERS
    assert client.get("/api/v1/tickets/").status_code == 200
    assert client.get(f"/api/v1/tickets/{ticket.pk}/").status_code == 200
    assert client.get(f"/api/v1/tickets/{ticket.pk}/messages/").status_code == 200
    created = client.post(
        "/api/v1/tickets/",
        {"customer": ticket.customer_id, "subject": "New", "body": "x", "channel": "phone"},
        format="json",
    )
    assert created.status_code == (201 if writes else 403), created.content
    note = client.post(
        f"/api/v1/tickets/{ticket.pk}/messages/", {"kind": "note", "body": "n"}, format="json"
    )
    assert note.status_code == (201 if writes else 403)
    patched = client.patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"version": ticket.version, "priority": "high"},
        format="json",
    )
    assert patched.status_code == (200 if writes else 403)
    if not writes:
        assert patched["Content-Type"] == PROBLEM


def test_anonymous_is_401(ticket):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/tickets/").status_code == 401


def test_another_salespersons_ticket_does_not_exist_for_them(ticket, other_sales):
    client = token_client(other_sales)
    assert client.get(f"/api/v1/tickets/{ticket.pk}/").status_code == 404
    assert client.get("/api/v1/tickets/").json()["results"] == []


def test_reply_emails_and_patch_with_a_stale_version_is_409(
    ticket, service, django_capture_on_commit_callbacks
):
    client = token_client(service)
    detail = client.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert [clock["target"] for clock in detail["sla"]] == ["first_response", "resolution"]
    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(
            f"/api/v1/tickets/{ticket.pk}/messages/",
            {"kind": "reply", "body": "Refunded today"},
            format="json",
        )
    assert reply.status_code == 201
    assert len(mail.outbox) == 1 and mail.outbox[0].body == "Refunded today"
    stale = client.patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"version": detail["version"], "status": "resolved"},
        format="json",
    )
    assert stale.status_code == 409
    fresh = client.get(f"/api/v1/tickets/{ticket.pk}/").json()
    done = client.patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"version": fresh["version"], "status": "resolved", "assignee": service.pk},
        format="json",
    )
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["assignee"]) == ("resolved", service.pk)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": "x", "body": "y", "channel": "pigeon"}, "channel"),
        ({"subject": "", "body": "y", "channel": "phone"}, "subject"),
        ({"subject": "x", "body": "y", "channel": "phone", "queue": "nope"}, "queue"),
    ],
)
def test_bad_input_names_the_field(ticket, service, body, field):
    client = token_client(service)
    response = client.post(
        "/api/v1/tickets/", {"customer": ticket.customer_id, **body}, format="json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert field in response.json()["errors"]


def test_an_impossible_status_move_is_400(ticket, service):
    client = token_client(service)
    response = client.patch(
        f"/api/v1/tickets/{ticket.pk}/", {"version": 1, "status": "closed"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_transition"


def test_a_mail_gateway_posts_raw_email_into_tickets(service, sales):
    raw = (
        b"From: Yuna <yuna@example.test>\r\nSubject: Broken\r\nMessage-ID: <gw1@x>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nHelp\r\n"
    )
    client = token_client(service)
    first = client.post("/api/v1/inbound-email/", raw, content_type="message/rfc822")
    again = client.post("/api/v1/inbound-email/", raw, content_type="message/rfc822")
    assert (first.status_code, first.json()["created"]) == (201, True)
    assert (again.status_code, again.json()["duplicate"]) == (200, True)
    no_sender = client.post(
        "/api/v1/inbound-email/", b"Subject: x\r\n\r\ny", content_type="message/rfc822"
    )
    assert no_sender.status_code == 400 and no_sender["Content-Type"] == PROBLEM
    denied = token_client(sales).post("/api/v1/inbound-email/", raw, content_type="message/rfc822")
    assert denied.status_code == 403
