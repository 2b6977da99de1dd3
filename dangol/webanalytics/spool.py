"""The spool: where ``/collect`` leaves events for the ingester, crash-safe.

Each web-server process appends JSON lines to a file of its own,
``DANGOL_DATA_DIR/webanalytics/spool/ev-<pid>-<ns>.jsonl``, with one ``write`` per
request, under ``flock`` and after checking that the file is still at its name.

The ingester claims a file by renaming it to ``<name>.ingesting``, then takes the file's
lock: any write that began before the rename finishes first, and any later write sees
the name gone and opens a new file. So every line lands in exactly one claimed file.
The ingester inserts a claimed file's events and records its name in
``web_ingest_file`` in one DuckDB transaction, and only then deletes it; a file left
``.ingesting`` by a crash is ingested on the next run unless its name is already
recorded (then it is only deleted). Hence: a line written to the spool is ingested
exactly once.

There is no fsync per request: a crashed process loses nothing it wrote (the data is in
the page cache), a crashed machine may lose its last seconds.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

from django.conf import settings

SUFFIX = ".jsonl"
CLAIMED = ".ingesting"
# A process starts a new file past this size, so one ingest batch stays bounded.
ROTATE_BYTES = 16 * 1024 * 1024

_lock = threading.Lock()
_state: dict[str, object] = {"pid": None, "fd": None, "path": None, "size": 0}


_made: set[Path] = set()


def spool_dir() -> Path:
    """Return the spool folder, created if missing."""
    path = Path(settings.DATA_DIR) / "webanalytics" / "spool"
    if path not in _made:
        path.mkdir(parents=True, exist_ok=True)
        _made.add(path)
    return path


def _open_new(directory: Path) -> None:
    path = directory / f"ev-{os.getpid()}-{time.time_ns()}{SUFFIX}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
    _state.update(pid=os.getpid(), fd=fd, path=path, size=0)


def _close() -> None:
    fd = _state["fd"]
    if fd is not None and _state["pid"] == os.getpid():
        os.close(fd)  # type: ignore[arg-type]
    _state.update(pid=None, fd=None, path=None, size=0)


def _still_ours() -> bool:
    try:
        return os.stat(_state["path"]).st_ino == os.fstat(_state["fd"]).st_ino  # type: ignore[arg-type]
    except (FileNotFoundError, TypeError):
        return False


def spool_append(data: bytes) -> None:
    """Append ``data`` (whole JSON lines, each ending in a newline) to this process's file."""
    if not data:
        return
    directory = spool_dir()
    with _lock:
        if _state["pid"] != os.getpid():
            # A forked child must not share its parent's file (or its lock).
            _state.update(pid=None, fd=None, path=None, size=0)
        elif _state["path"] is not None and _state["path"].parent != directory:  # type: ignore[union-attr]
            _close()  # the data folder changed (tests)
        for _attempt in range(3):
            if _state["fd"] is None or _state["size"] >= ROTATE_BYTES:  # type: ignore[operator]
                _close()
                _open_new(directory)
            fd = _state["fd"]
            fcntl.flock(fd, fcntl.LOCK_EX)  # type: ignore[arg-type]
            try:
                if not _still_ours():
                    # The ingester claimed the file: write to a new one.
                    _close()
                    continue
                os.write(fd, data)  # type: ignore[arg-type]
                _state["size"] = _state["size"] + len(data)  # type: ignore[operator]
                return
            finally:
                if _state["fd"] == fd:
                    fcntl.flock(fd, fcntl.LOCK_UN)  # type: ignore[arg-type]
        raise OSError("could not append to the web-analytics spool")


def spool_claim() -> list[Path]:
    """Claim every spool file for ingestion and return the claimed files, oldest first.

    Files left claimed by an earlier run that crashed are returned too.
    """
    directory = spool_dir()
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        try:
            path.rename(path.with_name(path.name + CLAIMED))
        except FileNotFoundError:
            continue
    claimed = sorted(directory.glob(f"*{SUFFIX}{CLAIMED}"), key=lambda p: p.name)
    for path in claimed:
        # Wait for a write that started before the rename to finish.
        with path.open("rb") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return claimed


def spool_name(path: Path) -> str:
    """Return the name a claimed file is recorded under in ``web_ingest_file``."""
    return path.name.removesuffix(CLAIMED)


def spool_pending_bytes() -> int:
    """Return how many bytes wait in the spool (claimed or not)."""
    return sum(p.stat().st_size for p in spool_dir().glob(f"*{SUFFIX}*"))
