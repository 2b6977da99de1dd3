"""A real IMAP server for the mailbox tests: Debian's dovecot on loopback, in a temp dir."""

from __future__ import annotations

import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
# The mail files belong to an unprivileged account: dovecot refuses to act as root.
MAIL_UID = 65534

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={root}/home/%u
}}
mail_location = maildir:{root}/home/%u/Maildir
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
service submission-login {{
  inet_listener submission {{
    port = 0
  }}
}}
"""


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    username: str
    password: str

    def deliver(self, raw: bytes) -> None:
        """Put one message into the INBOX, unseen, as a mail server would."""
        with imaplib.IMAP4(self.host, self.port) as client:
            client.login(self.username, self.password)
            client.append("INBOX", None, None, raw)

    def unseen(self) -> int:
        with imaplib.IMAP4(self.host, self.port) as client:
            client.login(self.username, self.password)
            client.select("INBOX")
            _, data = client.uid("search", None, "UNSEEN")
            return len(data[0].split())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def _dovecot():
    if not os.path.exists(DOVECOT):
        pytest.skip("dovecot is not installed (make test installs Debian's dovecot-imapd)")
    if os.geteuid() != 0:
        pytest.skip("starting dovecot with its own configuration needs root on this machine")
    # Not under pytest's tmp_path: its parents are private (0700) and dovecot's auth
    # process, which runs unprivileged, must reach the password file.
    root = Path(tempfile.mkdtemp(prefix="dangol-dovecot-"))
    root.chmod(0o755)
    for name in ("run", "state", "home"):
        (root / name).mkdir()
    os.chown(root / "home", MAIL_UID, MAIL_UID)
    users = root / "users"
    users.write_text("support:{PLAIN}s3cret\n")
    users.chmod(0o644)
    port = _free_port()
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port, uid=MAIL_UID))
    subprocess.run([DOVECOT, "-c", str(config)], check=True)  # noqa: S603 (our own binary and file)
    server = ImapServer("127.0.0.1", port, "support", "s3cret")
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                server.unseen()
                break
            except (OSError, imaplib.IMAP4.error):
                if time.monotonic() > deadline:
                    log = Path(root / "dovecot.log")
                    raise RuntimeError(log.read_text() if log.exists() else "no log") from None
                time.sleep(0.1)
        yield server
    finally:
        subprocess.run([DOVECOT, "-c", str(config), "stop"], check=False)  # noqa: S603
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_server(_dovecot):
    """The module's IMAP server with an empty INBOX."""
    with imaplib.IMAP4(_dovecot.host, _dovecot.port) as client:
        client.login(_dovecot.username, _dovecot.password)
        _, data = client.select("INBOX")
        if int(data[0]):
            client.store("1:*", "+FLAGS", "(\\Deleted)")
            client.expunge()
    return _dovecot


@pytest.fixture(autouse=True)
def tasks_inline(settings):
    """Run background tasks (reply and survey emails) inline, as a worker would."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
