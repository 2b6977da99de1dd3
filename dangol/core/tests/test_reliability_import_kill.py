"""An import killed half way (SIGKILL: no cleanup runs) leaves no partial rows.

``dangol import customers big.csv`` runs in a child process against this run's test
database; once its progress bar shows rows written, the process is killed. The database
must hold none of the file's rows, and the next import must succeed whole.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

import dangol
from dangol.customers.models import Customer

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 120_000
PROGRESS = re.compile(r"(\d+)%\|")


def _database_url() -> str:
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    auth = quote(params["USER"] or "")
    if params.get("PASSWORD"):
        auth += ":" + quote(params["PASSWORD"])
    return f"postgres://{auth}@{params['HOST']}:{params['PORT'] or 5432}/{params['NAME']}"


def _big_csv(path):
    with path.open("w", encoding="utf-8") as out:
        out.write("external_id,name,email\n")
        for n in range(ROWS):
            out.write(f"K{n:07d},고객 {n},c{n}@kill.test\n")


def test_an_import_killed_half_way_leaves_nothing_and_the_next_one_succeeds(tmp_path, settings):
    big = tmp_path / "big.csv"
    _big_csv(big)
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DANGOL_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "dangol.config.settings",
        # The child imports this checkout's code, whatever the environment installed.
        "PYTHONPATH": str(Path(dangol.__file__).resolve().parents[1]),
    }
    connection.close()  # SQLite: let the child take the write lock
    child = subprocess.Popen(  # noqa: S603 (our own interpreter and command)
        [sys.executable, "-m", "dangol.cli", "import", "customers", str(big)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    seen = bytearray()

    def read() -> None:
        while chunk := child.stderr.read1(4096):
            seen.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    percent = 0
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and child.poll() is None:
        found = PROGRESS.findall(seen.decode("utf-8", "replace"))
        percent = int(found[-1]) if found else 0
        if 5 <= percent < 90:
            break
        time.sleep(0.05)
    assert child.poll() is None, f"the import ended before it could be killed: {seen[-500:]!r}"
    assert 5 <= percent < 90, seen[-500:]
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    reader.join(timeout=10)

    assert Customer.objects.filter(email__endswith="@kill.test").count() == 0
    assert Customer.objects.count() == 0

    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "dangol.cli", "import", "customers", str(big), "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert Customer.objects.count() == ROWS
    assert Customer.objects.filter(external_id="K0119999").get().name == "고객 119999"
