"""A real HTTP receiver for webhook tests and the settings that route tasks inline."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What the test server got, and the status it answers with (settable mid-test)."""

    url: str
    status: int = 200
    requests: list[Received] = field(default_factory=list)


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(receiver.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format, *args):  # keep the test output clean
            pass

    return Handler


@pytest.fixture(name="receiver")
def receiver_fixture():
    """Start a real HTTP server on 127.0.0.1 (a free port) in a thread; stop it after."""
    box = Receiver(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(box))
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/dangol"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(name="inline_tasks")
def inline_tasks_fixture(settings):
    """Run tasks inline (ImmediateBackend) and allow the loopback test server."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DANGOL_WEBHOOK_ALLOW_PRIVATE = True
    return settings
