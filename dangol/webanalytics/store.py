"""Open the web-analytics store, ``DANGOL_DATA_DIR/webanalytics/events.duckdb``.

DuckDB lets one process open a file read-write, or several processes open it read-only,
never both at once. The web server runs several worker processes, so none of them writes
here: ``/collect`` appends to the spool (``spool.py``) and one ingester moves the spool
into this file in batches (``ingest.py``), holding the write connection only for the
length of one batch. Readers (the reports) open the file read-only through
``web_store_read``, which waits and retries while the ingester holds its lock.

Besides the two tables of the contract (``schema.py``), the ingester keeps two of its own:
``web_visitor_state`` (per visitor, the open visit and its last event, for the 30-minute
rule across batches) and ``web_ingest_file`` (the spool files already ingested, written in
the same transaction as their events, so a crash between commit and deleting a file
cannot ingest it twice).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from django.conf import settings

from dangol.webanalytics.schema import ALL_DDL

STORE_FILE = "events.duckdb"
# How long a reader waits for the ingester to let go of the file before giving up.
READ_RETRY_SECONDS = 15.0

STATE_DDL = (
    """
    CREATE TABLE IF NOT EXISTS web_visitor_state (
        site          VARCHAR NOT NULL,
        visitor_id    VARCHAR NOT NULL,
        visit_id      BIGINT NOT NULL,
        last_ts       TIMESTAMP NOT NULL,   -- the visit's latest event
        last_event_id BIGINT NOT NULL,      -- the visit's latest event (time on page)
        last_event_ts TIMESTAMP NOT NULL,
        last_is_pageview BOOLEAN NOT NULL,
        customer_id   BIGINT,
        campaign_id   BIGINT,
        PRIMARY KEY (site, visitor_id)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS web_ingest_file (
        name        VARCHAR PRIMARY KEY,
        ingested_at TIMESTAMP NOT NULL
    )
    """,
)


def web_store_dir() -> Path:
    """Return ``DANGOL_DATA_DIR/webanalytics``, created if missing."""
    path = Path(settings.DATA_DIR) / "webanalytics"
    path.mkdir(parents=True, exist_ok=True)
    return path


def web_store_path() -> Path:
    """Return the path of the DuckDB file of events and visits."""
    return web_store_dir() / STORE_FILE


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "different configuration" in text


def web_store_connect(*, read_only: bool, wait: float = 0.0) -> duckdb.DuckDBPyConnection:
    """Open the store; a read-write connection creates the tables first.

    :param wait: seconds to keep retrying while another process holds the file's lock.
    :raises duckdb.IOException: the file stayed locked for longer than ``wait``.
    """
    path = web_store_path()
    if read_only and not path.exists():
        web_store_connect(read_only=False, wait=wait).close()
    deadline = time.monotonic() + wait
    delay = 0.01
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
    if not read_only:
        for ddl in (*ALL_DDL, *STATE_DDL):
            con.execute(ddl)
    return con


@contextmanager
def web_store_read(*, wait: float = READ_RETRY_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a read-only connection to the store, retrying while the ingester writes.

    The ingester holds the file for one batch at a time (well under a second), so a
    report waits at most that long. Close promptly: while a reader holds the file, the
    ingester waits.
    """
    con = web_store_connect(read_only=True, wait=wait)
    try:
        yield con
    finally:
        con.close()
