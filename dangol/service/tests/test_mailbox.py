"""Inbound email against a real IMAP server: new tickets, threading, no duplicates."""

import io
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from dangol.core.errors import ValidationError
from dangol.customers.models import Customer
from dangol.service.choices import TicketStatus
from dangol.service.mailbox import mailbox_fetch, ticket_email_receive
from dangol.service.models import Ticket, TicketMessage
from dangol.service.services import ticket_reply, ticket_subject_tag

pytestmark = pytest.mark.django_db(transaction=True)


def raw_email(*, sender, subject, body, message_id, headers=""):
    return (
        f"From: {sender}\r\nTo: support@dangol.local\r\nSubject: {subject}\r\n"
        f"Message-ID: {message_id}\r\nDate: Fri, 27 Nov 2026 10:00:00 +0900\r\n"
        f"{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def fetch(server, actor):
    return mailbox_fetch(
        host=server.host,
        port=server.port,
        username=server.username,
        password=server.password,
    )


def test_new_mail_opens_a_ticket_for_a_new_customer_and_is_marked_seen(imap_server, service):
    imap_server.deliver(
        raw_email(
            sender="김민지 <minji@example.test>",
            subject="배송이 늦어요",
            body="주문한 상품이 아직 오지 않았습니다.",
            message_id="<m1@example.test>",
        )
    )
    result = fetch(imap_server, service)
    assert (result.fetched, result.created, result.threaded) == (1, 1, 0)
    assert imap_server.unseen() == 0
    ticket = Ticket.objects.get()
    customer = Customer.objects.get(email="minji@example.test")
    assert (ticket.customer, ticket.subject, ticket.channel) == (customer, "배송이 늦어요", "email")
    assert (customer.name, customer.status, customer.owner) == ("김민지", "prospect", None)
    assert ticket.messages.get().body == "주문한 상품이 아직 오지 않았습니다."


def test_replies_thread_onto_the_ticket_by_headers_and_by_subject_tag(imap_server, service):
    imap_server.deliver(
        raw_email(sender="minji@example.test", subject="Late", body="Where?", message_id="<m1@x>")
    )
    fetch(imap_server, service)
    ticket = Ticket.objects.get()
    reply = ticket_reply(actor=service, ticket=ticket, body="Tomorrow.")
    assert len(mail.outbox) == 1  # the transaction=True test commits: the email went out

    # The customer answers our email: In-Reply-To names our Message-ID.
    imap_server.deliver(
        raw_email(
            sender="minji@example.test",
            subject="Re: Late",
            body="Thanks",
            message_id="<m2@x>",
            headers=f"In-Reply-To: {reply.message_id}\r\nReferences: <m1@x> {reply.message_id}\r\n",
        )
    )
    # A mail client that drops the headers still keeps the subject tag.
    imap_server.deliver(
        raw_email(
            sender="minji@example.test",
            subject=f"Re: {ticket_subject_tag(ticket)} Late",
            body="One more thing",
            message_id="<m3@x>",
        )
    )
    result = fetch(imap_server, service)
    assert (result.fetched, result.created, result.threaded) == (2, 0, 2)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN  # the customer answered: back to the agent
    assert list(ticket.messages.order_by("id").values_list("kind", "body")) == [
        ("inbound", "Where?"),
        ("reply", "Tomorrow."),
        ("inbound", "Thanks"),
        ("inbound", "One more thing"),
    ]


def test_the_same_message_twice_is_stored_once(imap_server, service):
    message = raw_email(sender="a@example.test", subject="Hi", body="x", message_id="<dup@x>")
    imap_server.deliver(message)
    imap_server.deliver(message)
    result = fetch(imap_server, service)
    assert (result.created, result.duplicates) == (1, 1)
    assert TicketMessage.objects.count() == 1
    assert fetch(imap_server, service).fetched == 0


def test_an_unreadable_message_is_reported_and_left_unseen(imap_server, service):
    imap_server.deliver(b"Subject: no sender\r\n\r\nbody\r\n")
    result = fetch(imap_server, service)
    assert result.created == 0
    [reason] = result.rejected
    assert re.fullmatch(r"uid \d+: The email has no sender address", reason)
    assert imap_server.unseen() == 1
    assert not Ticket.objects.exists()


def test_a_forged_tag_does_not_attach_to_someone_elses_ticket(service):
    first = ticket_email_receive(
        raw=raw_email(sender="a@example.test", subject="Mine", body="x", message_id="<a@x>"),
    )
    forged = f"Re: [#{first.ticket_id}:00000000] Mine"
    second = ticket_email_receive(
        raw=raw_email(sender="b@example.test", subject=forged, body="y", message_id="<b@x>"),
    )
    assert second.created and second.ticket_id != first.ticket_id


def test_the_command_fetches_a_mailbox_url(imap_server):
    imap_server.deliver(
        raw_email(sender="c@example.test", subject="Hello", body="x", message_id="<c@x>")
    )
    out = io.StringIO()
    url = f"imap://{imap_server.username}:{imap_server.password}@127.0.0.1:{imap_server.port}/INBOX"
    call_command("service", "fetch-mail", url, stdout=out)
    assert out.getvalue().strip() == (
        "fetched 1: 1 new tickets, 0 replies, 0 already stored, 0 rejected"
    )
    with pytest.raises(CommandError, match=r"imap\[s\]://"):
        call_command("service", "fetch-mail", "http://nowhere")


def test_broken_or_hostile_mail_never_errors(service):
    odd = [
        b"From: a@x.test\r\nContent-Type: text/plain; charset=no-such-charset\r\n\r\nhi\r\n",
        b"From: a@x.test\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%not base64%%%\r\n",
        b"From: a@x.test\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n",
        b"From: <script>@x.test\r\nSubject: \xff\xfe\r\n\r\n\x00\x01\r\n",
    ]
    for raw in odd[:3]:
        assert ticket_email_receive(raw=raw).ticket_id is not None
    # A sender that is not an address is refused with the reason, nothing else.
    with pytest.raises(ValidationError, match="no sender address"):
        ticket_email_receive(raw=odd[3])
