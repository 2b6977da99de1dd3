"""Notifications: @mentions on ticket notes, the live unread badge, email when asked."""

import pytest
from django.core import mail
from django.urls import reverse

from dangol.accounts.models import Notification
from dangol.accounts.notifications import mentioned_users, notification_send
from dangol.customers.tests.factories import CustomerFactory
from dangol.service.services import ticket_note_add, ticket_open

pytestmark = pytest.mark.django_db


def test_mentions_are_parsed_from_text(sales, service):
    found = mentioned_users("Ask @service and @sales. Not mail@sales or @nobody")
    assert set(found) == {sales, service} and len(found) == 2
    assert mentioned_users("write to a@sales.test") == []


def test_a_mention_on_a_note_notifies_colleagues_who_see_the_ticket(
    service, sales, other_sales, manager
):
    ticket = ticket_open(
        actor=service,
        customer=CustomerFactory(owner=sales),
        subject="Refund",
        body="x",
        channel="phone",
    )
    ticket_note_add(actor=service, ticket=ticket, body="@sales please call; cc @other_sales")
    [note] = Notification.objects.all()
    assert (note.user, note.kind, note.url) == (sales, "mention", f"/service/tickets/{ticket.pk}/")
    assert "service mentioned you on" in note.text


def test_the_badge_counts_unread_and_the_page_marks_read(client, sales):
    notification_send(user=sales, kind="task", text="Call back Kim")
    client.force_login(sales)
    badge = client.get(reverse("accounts:notifications_badge"))
    assert b'data-unread="1"' in badge.content
    page = client.get(reverse("customers:list"))
    assert reverse("accounts:notifications_badge").encode() in page.content
    client.post(reverse("accounts:notifications"))
    assert b"data-unread" not in client.get(reverse("accounts:notifications_badge")).content


def test_email_only_for_those_who_chose_it(sales, service, django_capture_on_commit_callbacks):
    sales.notify_by_email, sales.email = True, "sales@dangol.test"
    sales.save()
    service.email = "service@dangol.test"
    service.save()
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=sales, kind="mention", text="Hello", url="/service/")
        notification_send(user=service, kind="mention", text="Hello")
    [message] = mail.outbox
    assert message.to == ["sales@dangol.test"]
    assert message.body.endswith("/service/")
