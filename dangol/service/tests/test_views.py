"""Service desk pages: queue, ticket, actions, the public contact form, survey, VOC."""

import pytest
from django.core import mail
from django.urls import reverse

from dangol.customers.models import Customer
from dangol.customers.tests.factories import CustomerFactory
from dangol.service.models import SatisfactionSurvey, Ticket
from dangol.service.services import ticket_open, ticket_status_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(sales):
    return ticket_open(
        actor=sales,
        customer=CustomerFactory(owner=sales, name="홍길동"),
        subject="Late delivery",
        body="Where is my order?",
        channel="phone",
        kind="complaint",
    )


def test_the_queue_and_the_ticket_render_for_the_desk(client, service, ticket):
    client.force_login(service)
    queue = client.get(reverse("service:ticket_list"))
    assert queue.status_code == 200 and b"Late delivery" in queue.content
    page = client.get(reverse("service:ticket_detail", args=[ticket.pk]))
    assert page.status_code == 200
    assert b'data-sla="first_response"' in page.content
    # The conversation is not mistaken for the layout's flash messages.
    assert b'<ul class="messages">' not in page.content
    assert "홍길동".encode() in page.content


def test_a_salesperson_of_another_team_gets_404(client, other_sales, ticket):
    client.force_login(other_sales)
    assert client.get(reverse("service:ticket_detail", args=[ticket.pk])).status_code == 404
    assert b"Late delivery" not in client.get(reverse("service:ticket_list")).content


def test_reply_from_the_page(client, service, ticket, django_capture_on_commit_callbacks):
    client.force_login(service)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("service:ticket_reply", args=[ticket.pk]),
            {"body": "Arrives tomorrow", "version": ticket.version},
        )
    assert response.status_code == 302
    assert mail.outbox[0].body == "Arrives tomorrow"
    ticket.refresh_from_db()
    assert ticket.status == "pending"


def test_a_stale_form_is_refused_with_the_reason(client, service, ticket):
    client.force_login(service)
    seen = ticket.version
    ticket_status_set(actor=service, ticket=ticket, status="open")
    response = client.post(
        reverse("service:ticket_status", args=[ticket.pk]), {"status": "resolved", "version": seen}
    )
    assert response.status_code == 400
    assert b"Someone else changed this ticket" in response.content


def test_an_analyst_reads_but_cannot_act(client, analyst, ticket):
    client.force_login(analyst)
    page = client.get(reverse("service:ticket_detail", args=[ticket.pk]))
    assert page.status_code == 200 and b"Reply to the customer" not in page.content
    response = client.post(reverse("service:ticket_note", args=[ticket.pk]), {"body": "x"})
    assert response.status_code == 403


def test_the_public_contact_form_opens_a_web_ticket_for_a_new_prospect(client):
    response = client.post(
        reverse("service:contact"),
        {"name": "Kim", "email": "KIM@Example.test", "subject": "Hours?", "body": "When open?"},
    )
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.customer.email, ticket.customer.status) == (
        "web",
        "kim@example.test",
        "prospect",
    )
    assert f"{ticket.pk}".encode() in response.content


def test_the_contact_form_ignores_bots_and_rejects_bad_email(client):
    bot = {"name": "x", "email": "x@example.test", "subject": "s", "body": "b", "website": "spam"}
    assert client.post(reverse("service:contact"), bot).status_code == 200
    bad = client.post(
        reverse("service:contact"), {"name": "x", "email": "nope", "subject": "s", "body": "b"}
    )
    assert b"valid email" in bad.content
    assert not Ticket.objects.exists() and not Customer.objects.exists()


def test_the_survey_page_takes_one_answer(client, service, ticket):
    ticket_status_set(actor=service, ticket=ticket, status="resolved")
    ticket_status_set(actor=service, ticket=ticket, status="closed")
    survey = SatisfactionSurvey.objects.get()
    url = reverse("service:survey", args=[survey.token])
    assert client.get(url).status_code == 200
    assert b'data-answered="true"' in client.post(url, {"score": "5"}).content
    survey.refresh_from_db()
    assert survey.score == 5
    assert client.get(reverse("service:survey", args=["forged"])).status_code == 404


def test_voc_report_counts_and_is_for_the_desk_and_managers(client, service, sales, ticket):
    client.force_login(service)
    page = client.get(reverse("service:voc"))
    assert page.status_code == 200
    report = page.context["report"]
    assert [(r["kind"], r["tickets"]) for r in report.by_month] == [("complaint", 1)]
    client.force_login(sales)
    assert client.get(reverse("service:voc")).status_code == 403


def test_a_reply_without_the_version_is_refused(client, service, ticket):
    # The reply moves the status: leaving the hidden version out must not skip the check.
    client.force_login(service)
    response = client.post(reverse("service:ticket_reply", args=[ticket.pk]), {"body": "Hi"})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert (ticket.status, ticket.messages.count()) == ("new", 1)
