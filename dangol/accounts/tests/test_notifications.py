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


def test_email_only_for_those_who_chose_it(
    sales, service, settings, django_capture_on_commit_callbacks
):
    # The email is a background task after commit; run tasks inline here.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
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


def test_the_email_is_queued_as_a_task_not_sent_on_the_request(
    sales, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    sales.notify_by_email, sales.email = True, "sales@dangol.test"
    sales.save()
    with django_capture_on_commit_callbacks(execute=True):
        note = notification_send(user=sales, kind="automation", text="Rule fired")
    assert mail.outbox == []
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "dangol.accounts.tasks.notification_email_task"
    assert queued.args_kwargs["kwargs"] == {"notification_id": note.pk}


def test_a_dedupe_key_notifies_once(sales):
    first = notification_send(user=sales, kind="task_due", text="x", dedupe_key="k:1")
    assert first is not None
    assert notification_send(user=sales, kind="task_due", text="x", dedupe_key="k:1") is None
    assert Notification.objects.filter(user=sales).count() == 1


def test_one_notification_marked_read_and_the_list_refreshes(client, sales):
    one = notification_send(user=sales, kind="task", text="One")
    notification_send(user=sales, kind="task", text="Two")
    client.force_login(sales)
    page = client.get(reverse("accounts:notifications"))
    assert b'data-unread-total="2"' in page.content
    assert b'hx-trigger="every 20s"' in page.content
    partial = client.post(
        reverse("accounts:notifications"), {"id": one.pk}, headers={"HX-Request": "true"}
    )
    assert b'data-unread-total="1"' in partial.content
    assert partial["HX-Trigger"] == "notifications-changed"
    assert b"<html" not in partial.content
    one.refresh_from_db()
    assert one.read_at is not None


def test_the_settings_page_turns_email_on_and_off(client, sales):
    client.force_login(sales)
    assert b'name="notify_by_email"' in client.get(reverse("accounts:settings")).content
    client.post(reverse("accounts:settings"), {"notify_by_email": "on"})
    sales.refresh_from_db()
    assert sales.notify_by_email is True
    client.post(reverse("accounts:settings"), {})
    sales.refresh_from_db()
    assert sales.notify_by_email is False
