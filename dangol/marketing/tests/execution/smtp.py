"""A real SMTP server for the tests (aiosmtpd on a free loopback port) and its faults.

``SmtpRecorder`` keeps every message it accepted. Faults make the server misbehave the
way real ones do, once, at the N-th message:

- ``drop_after_accept``: keep the message, then hang up before answering (the client
  cannot know it went out: the "lost acknowledgement");
- ``drop_before_accept``: hang up on receiving the message without keeping it;
- ``reply``: answer the DATA with this reply instead ("421 ..." or "554 ...");
- ``on_message``: a callable run when the N-th message arrives (kill a sender process).
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    @property
    def to(self) -> str:
        return self.rcpt_tos[0]

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        return body.get_content() if body is not None else ""


@dataclass
class Fault:
    at: int
    kind: str  # drop_after_accept, drop_before_accept, reply, call
    reply: str = ""
    call: Callable[[], None] | None = None


@dataclass
class SmtpRecorder:
    received: list[Received] = field(default_factory=list)
    refuse_rcpt: set[str] = field(default_factory=set)
    faults: list[Fault] = field(default_factory=list)
    data_count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_count += 1
            n = self.data_count
            fault = next((f for f in self.faults if f.at == n), None)
            if fault is not None:
                self.faults.remove(fault)
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            item = Received(envelope.mail_from, list(envelope.rcpt_tos), message)
            if fault is None or fault.kind in ("drop_after_accept", "call"):
                self.received.append(item)
        if fault is not None:
            if fault.kind == "call" and fault.call is not None:
                fault.call()
            if fault.kind in ("drop_after_accept", "drop_before_accept"):
                server.transport.close()
                return "421 closing"
            if fault.kind == "reply":
                return fault.reply
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [r.message_id for r in self.received]

    def recipients(self) -> list[str]:
        with self.lock:
            return [r.to for r in self.received]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """Start and stop the recorder's server; ``host``/``port`` to point Django at it."""

    def __init__(self) -> None:
        self.recorder = SmtpRecorder()
        self.host = "127.0.0.1"
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname=self.host, port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


# The server of the running test, for ``sent_lookup`` (named in a setting by dotted path).
CURRENT: SmtpServer | None = None


def sent_lookup(message_ids: list[str]) -> set[str]:
    """Answer like a provider's log: which of these Message-IDs the server accepted."""
    accepted = set(CURRENT.recorder.message_ids()) if CURRENT else set()
    return {mid for mid in message_ids if mid in accepted}
