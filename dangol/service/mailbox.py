"""Inbound email: fetch a support mailbox over IMAP and thread each message onto a ticket.

A message joins an existing ticket when its In-Reply-To/References name a message we
know, or its subject carries the ticket's tag (``[#12:ab12cd34]``); otherwise it opens a
new ticket for the customer with that email address (created if unknown). A message
already seen (same Message-ID) is skipped, so fetching twice changes nothing.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dangol.automation.events import automation_event_on_commit
from dangol.service.choices import MessageKind, TicketChannel, TicketStatus
from dangol.service.errors import ServiceErrorCode, ValidationError
from dangol.service.models import Ticket, TicketChange, TicketMessage
from dangol.service.services import BODY_MAX, SUBJECT_MAX, _bump, _timeline, ticket_open

TAG = re.compile(r"\[#(\d+):([0-9a-f]{8})\]")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class Received:
    """What became of one inbound message."""

    ticket_id: int | None
    created: bool  # a new ticket was opened
    duplicate: bool  # the Message-ID was already on a ticket


def _body_text(message: EmailMessage) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except (LookupError, ValueError, TypeError):
        part = None
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, UnicodeError, ValueError, TypeError, AttributeError):
        # An unknown charset or a broken transfer encoding: keep what can be read.
        raw = part.get_payload(decode=True) or b""
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    if not isinstance(text, str):
        text = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else ""
    if part.get_content_type() == "text/html":
        # Agents read plain text; keep the words, drop the markup.
        text = re.sub(r"<[^>]+>", " ", text)
    return text.strip()


def _thread(message: EmailMessage, subject: str) -> Ticket | None:
    ids = MESSAGE_ID.findall(
        " ".join(str(message.get(h, "")) for h in ("In-Reply-To", "References"))
    )
    if ids:
        known = (
            TicketMessage.objects.filter(message_id__in=ids)
            .select_related("ticket")
            .order_by("-occurred_at")
            .first()
        )
        if known is not None:
            return known.ticket
    match = TAG.search(subject)
    if match:
        return Ticket.objects.filter(
            pk=int(match.group(1)), thread_token__startswith=match.group(2)
        ).first()
    return None


@transaction.atomic
def ticket_email_receive(*, raw: bytes) -> Received:
    """Thread one raw RFC 5322 message onto a ticket, or open one; return what happened.

    An unknown sender becomes a new prospect (``customer_contact_get_or_create``).
    :raises ValidationError: the message has no usable sender address.
    """
    from dangol.customers.services import customer_contact_get_or_create

    message = email.message_from_bytes(raw, policy=email.policy.default)
    senders = getaddresses([str(message.get("From", ""))])
    name, address = senders[0] if senders else ("", "")
    if "@" not in address:
        raise ValidationError(
            "The email has no sender address", code=ServiceErrorCode.UNREADABLE_EMAIL
        )
    message_id = (MESSAGE_ID.findall(str(message.get("Message-ID", ""))) or [None])[0]
    if message_id and TicketMessage.objects.filter(message_id=message_id).exists():
        existing = TicketMessage.objects.get(message_id=message_id)
        return Received(ticket_id=existing.ticket_id, created=False, duplicate=True)
    subject = " ".join(str(message.get("Subject", "")).split())[:SUBJECT_MAX] or "(no subject)"
    body = _body_text(message)[:BODY_MAX] or "(empty message)"
    try:
        when = parsedate_to_datetime(str(message.get("Date")))
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
        when = min(when, timezone.now())  # a sender's clock in the future is not trusted
    except (TypeError, ValueError):
        when = timezone.now()

    ticket = _thread(message, subject)
    if ticket is not None and ticket.status == TicketStatus.CLOSED:
        ticket = None  # a closed ticket stays closed: the customer's new mail is a new case
    if ticket is None:
        customer, _ = customer_contact_get_or_create(email=address, name=name)
        ticket = ticket_open(
            actor=None,
            customer=customer,
            subject=TAG.sub("", subject).strip() or subject,
            body=body,
            channel=TicketChannel.EMAIL,
            opened_at=when,
            from_address=address,
            message_id=message_id,
        )
        return Received(ticket_id=ticket.pk, created=True, duplicate=False)

    inbound = TicketMessage.objects.create(
        ticket=ticket,
        kind=MessageKind.INBOUND,
        from_address=address,
        body=body,
        message_id=message_id,
        occurred_at=when,
    )
    automation_event_on_commit(
        entity="ticket", record_id=ticket.pk, event="inbound_message", key=str(inbound.pk)
    )
    if ticket.status in (TicketStatus.PENDING, TicketStatus.RESOLVED):
        # The customer answered: the ticket needs an agent again.
        TicketChange.objects.create(
            ticket=ticket,
            field="status",
            old=ticket.status,
            new=TicketStatus.OPEN,
            occurred_at=timezone.now(),
        )
        ticket.status = TicketStatus.OPEN
        ticket.resolved_at = None
        _bump(ticket, ["status", "resolved_at"])
    _timeline(actor=None, ticket=ticket, direction="inbound", subject=subject, body=body, when=when)
    return Received(ticket_id=ticket.pk, created=False, duplicate=False)


@dataclass(frozen=True)
class FetchResult:
    fetched: int
    created: int
    threaded: int
    duplicates: int
    rejected: list[str]


def mailbox_fetch(
    *,
    host: str,
    port: int,
    username: str,
    password: str,
    use_ssl: bool = False,
    folder: str = "INBOX",
) -> FetchResult:
    """Fetch the unseen messages of an IMAP mailbox into tickets and mark them seen.

    Each message is handled in its own transaction and marked seen only after it was
    stored, so a crash part-way loses nothing and a re-run skips what is stored
    (Message-ID). A message that cannot be read is reported and left unseen.
    """
    client_class = imaplib.IMAP4_SSL if use_ssl else imaplib.IMAP4
    created = threaded = duplicates = fetched = 0
    rejected: list[str] = []
    with client_class(host, port) as client:
        client.login(username, password)
        client.select(folder)
        _, data = client.uid("search", None, "UNSEEN")
        for uid in data[0].split():
            _, parts = client.uid("fetch", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if raw is None:
                continue
            fetched += 1
            try:
                received = ticket_email_receive(raw=raw)
            except ValidationError as exc:
                rejected.append(f"uid {uid.decode()}: {exc.message}")
                continue
            client.uid("store", uid, "+FLAGS", "(\\Seen)")
            if received.duplicate:
                duplicates += 1
            elif received.created:
                created += 1
            else:
                threaded += 1
        client.logout()
    return FetchResult(fetched, created, threaded, duplicates, rejected)


def mailbox_fetch_url(url: str) -> FetchResult:
    """Fetch the mailbox named by ``imap[s]://user:password@host:port/FOLDER``."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
        raise ValidationError(
            "The mailbox must be given as imap[s]://user:password@host[:port][/FOLDER]",
            code=ServiceErrorCode.INVALID,
            field="url",
        )
    use_ssl = parts.scheme == "imaps"
    return mailbox_fetch(
        host=parts.hostname,
        port=parts.port or (993 if use_ssl else 143),
        username=unquote(parts.username),
        password=unquote(parts.password or ""),
        use_ssl=use_ssl,
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


def mailbox_fetch_configured() -> FetchResult | None:
    """Fetch ``DANGOL_SERVICE_IMAP_URL`` if one is set (the worker's sweep)."""
    url = settings.DANGOL_SERVICE_IMAP_URL
    return mailbox_fetch_url(url) if url else None
