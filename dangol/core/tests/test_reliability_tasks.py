"""Background tasks run again (a retry) do not repeat what they already did.

The service desk's e-mails are sent once per reply and once per survey however often the
task runs; a run whose send failed leaves nothing recorded, so the retry sends. (Campaign
e-mail has its own settle-by-Message-ID resume, tested in marketing/tests/execution;
imports are upserts, re-running one changes nothing: integration/tests/test_importers.py.)
"""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from dangol.core.idempotency import effect_done
from dangol.customers.tests.factories import CustomerFactory
from dangol.service.models import SatisfactionSurvey, TicketMessage
from dangol.service.services import ticket_open, ticket_reply, ticket_status_set
from dangol.service.tasks import survey_email_task, ticket_reply_email_task

FAILS = {"left": 0}


class FlakyBackend(BaseEmailBackend):
    """Fail the next ``FAILS['left']`` sends like an unreachable server, then deliver."""

    def send_messages(self, email_messages):
        if FAILS["left"] > 0:
            FAILS["left"] -= 1
            raise smtplib.SMTPServerDisconnected("connection lost")
        mail.outbox.extend(email_messages)
        return len(email_messages)


@pytest.fixture
def ticket(service, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    customer = CustomerFactory(email="kim@x.test", owner=None)
    return ticket_open(
        actor=service, customer=customer, subject="Broken", body="It broke", channel="email"
    )


def test_a_retried_reply_email_is_sent_once(ticket, service, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = ticket_reply(actor=service, ticket=ticket, body="Fixed it")
    assert len(mail.outbox) == 1
    ticket_reply_email_task.call(message_id=message.pk)
    ticket_reply_email_task.call(message_id=message.pk)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == message.message_id
    assert effect_done(kind="service.reply_email", key=message.pk)


def test_a_failed_send_is_retried_and_then_sent_once(
    ticket, service, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FAILS["left"] = 1
    # The first run fails; the task backend records the failure (it does not raise here).
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(actor=service, ticket=ticket, body="Fixed it")
    assert FAILS["left"] == 0
    message = TicketMessage.objects.get(body="Fixed it")
    assert len(mail.outbox) == 0
    assert not effect_done(kind="service.reply_email", key=message.pk)
    ticket_reply_email_task.call(message_id=message.pk)  # the retry
    ticket_reply_email_task.call(message_id=message.pk)  # and a needless one
    assert len(mail.outbox) == 1


def test_a_retried_survey_email_is_sent_once(ticket, service, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_status_set(actor=service, ticket=ticket, status="resolved")
        ticket.refresh_from_db()
        ticket_status_set(actor=service, ticket=ticket, status="closed")
    survey = SatisfactionSurvey.objects.get(ticket=ticket)
    sent = [m for m in mail.outbox if survey.token in m.body]
    assert len(sent) == 1
    survey_email_task.call(survey_id=survey.pk)
    assert len([m for m in mail.outbox if survey.token in m.body]) == 1
