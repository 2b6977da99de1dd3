"""Refresh and export the warehouse: the only writers of warehouse files.

A refresh never changes a file a reader may have open. It builds ``wh-<UTC time>.duckdb``
(a full refresh from scratch; an incremental one from a copy of the current file plus the
rows changed since the last refresh's high-water marks), then switches the ``CURRENT``
pointer with ``os.replace`` and deletes files older than the previous one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from django.conf import settings
from django.db import connection, transaction

from dangol.analytics.olap.rollups import olap_rollups_build
from dangol.analytics.rfm import customer_summary_build
from dangol.analytics.warehouse import queries, schema
from dangol.analytics.warehouse.connection import (
    POINTER_NAME,
    warehouse_connect,
    warehouse_current_path,
    warehouse_dir,
)
from dangol.analytics.warehouse.custom_fields import (
    CUSTOM_FIELD_TARGETS,
    custom_fields_apply,
    custom_fields_extract,
)
from dangol.analytics.warehouse.erasure import (
    erasures_copy_redacted,
    erasures_pending,
    erasures_redact_in_place,
)
from dangol.analytics.warehouse.errors import WarehouseBusy
from dangol.analytics.warehouse.extract import extract_into, pg_source_reader
from dangol.analytics.warehouse.transform import (
    WATERMARK_TABLE,
    apply_delta,
    watermarks_read,
    watermarks_write,
)
from dangol.customers.selectors import customer_erased_ids

# progress(phase, done, total): phases are counted, so a task can show "3/10 extract orders".
Progress = Callable[[str, int, int], None]

FULL_SOURCES = (
    queries.CUSTOMERS,
    queries.SCORES,
    queries.PRODUCTS,
    queries.ORDERS_NEWEST,
    queries.ORDER_LINES,
    queries.INTERACTIONS,
)
# Incremental refreshes also read the changed orders (to replace their lines) and every
# live id (to drop deleted rows).
INCREMENTAL_SOURCES = (
    queries.CUSTOMERS,
    queries.SCORES,
    queries.PRODUCTS,
    queries.ORDERS,
    queries.ORDER_LINES,
    queries.INTERACTIONS,
    queries.CUSTOMER_IDS,
    queries.ORDER_IDS,
    queries.INTERACTION_IDS,
)


@dataclass
class RefreshResult:
    """What a refresh did: mode, new file, row counts, extracted and deleted rows, timings."""

    mode: str
    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    extracted: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    # CPU seconds of this process per phase (DuckDB's threads included): on a shared
    # machine the wall time mostly measures the wait for a core.
    cpu_timings: dict[str, float] = field(default_factory=dict)
    high_water: dt.datetime | None = None
    # dim_customer rows of erased customers this refresh blanked (docs/privacy.md).
    erased_blanked: int = 0


@contextlib.contextmanager
def _refresh_lock() -> Iterator[None]:
    """Hold an exclusive lock for one refresh at a time across processes."""
    with open(warehouse_dir() / ".refresh.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WarehouseBusy("A warehouse refresh is already running.") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _source_snapshot() -> Iterator[None]:
    """Read every source from one PostgreSQL snapshot (REPEATABLE READ, READ ONLY).

    The bulk reader (ADBC, when installed) imports this transaction's snapshot. Inside a
    caller's transaction (uncommitted rows another connection cannot see), or on SQLite
    (whose bulk reader uses its own connection per query), the reads run as they are.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with pg_source_reader():
            yield


# DuckDB's default memory limit is 80 % of RAM; a 10M-line full refresh then held 4.4 GB.
# Under a limit it spills the rest to a scratch directory next to the new file.
DEFAULT_MEMORY_LIMIT = "2GB"


def _settings_apply(con: duckdb.DuckDBPyConnection, spill: Path) -> None:
    """Bound the refresh's memory and let DuckDB write tables in any row order."""
    limit = str(getattr(settings, "DANGOL_WAREHOUSE_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT))
    if not limit.replace(".", "").isalnum():
        raise ValueError(f"DANGOL_WAREHOUSE_MEMORY_LIMIT is not a size: {limit!r}")
    con.execute(f"SET memory_limit = '{limit}'")
    con.execute(f"SET temp_directory = '{str(spill).replace(chr(39), chr(39) * 2)}'")
    # Nothing reads the facts in insertion order (readers sort); keeping it costs memory.
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")


def _new_file_name() -> str:
    return "wh-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f") + ".duckdb"


def _switch_pointer(folder: Path, name: str) -> None:
    """Point ``CURRENT`` at ``name`` atomically (write a temp file, fsync, rename)."""
    tmp = folder / f".{POINTER_NAME}.{os.getpid()}"
    with open(tmp, "w") as handle:
        handle.write(name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, folder / POINTER_NAME)
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _prune(folder: Path, *, keep: set[str]) -> None:
    """Delete warehouse files other than ``keep``.

    A reader that still has an older file open keeps reading it (POSIX unlink leaves open
    files intact); the previous file is kept so short-lived readers never see it vanish
    between reading ``CURRENT`` and opening it.
    """
    for path in folder.glob("wh-*.duckdb*"):
        if path.name.split(".duckdb")[0] + ".duckdb" not in keep:
            path.unlink(missing_ok=True)


def warehouse_refresh(*, full: bool = False, progress: Progress | None = None) -> RefreshResult:
    """Bring the warehouse up to date with the operational database and return a summary.

    :param full: rebuild every table from scratch instead of applying the rows changed
        since the last refresh (the first refresh is always full).
    :param progress: called as ``progress(phase, done, total)`` after each phase.
    :raises WarehouseBusy: another refresh is running.
    """
    folder = warehouse_dir()
    with _refresh_lock():
        current = warehouse_current_path()
        mode = "full" if full or current is None else "incremental"
        new_path = folder / _new_file_name()
        result = RefreshResult(mode=mode, path=new_path)
        sources = INCREMENTAL_SOURCES if mode == "incremental" else FULL_SOURCES
        total = len(sources) + 4  # + transform, rollups, checkpoint, publish
        done = 0

        cpu_mark = time.process_time()

        def phase(name: str, started: float) -> None:
            nonlocal done, cpu_mark
            result.timings[name] = round(time.perf_counter() - started, 3)
            result.cpu_timings[name] = round(time.process_time() - cpu_mark, 3)
            cpu_mark = time.process_time()
            done += 1
            if progress is not None:
                progress(name, done, total)

        started = time.perf_counter()
        if mode == "incremental":
            shutil.copyfile(current, new_path)
        con = duckdb.connect(str(new_path))
        spill = folder / f".spill-{new_path.stem}"
        try:
            _settings_apply(con, spill)
            if mode == "full":
                schema.schema_create(con=con)
            # A file without marks (e.g. a test warehouse) is re-read whole, incrementally.
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {WATERMARK_TABLE} (source VARCHAR PRIMARY KEY, "
                "high_water TIMESTAMP)"
            )
            marks = watermarks_read(con)
            phase("prepare", started)
            with _source_snapshot():
                for query in sources:
                    started = time.perf_counter()
                    since = marks.get(query.name) if mode == "incremental" else None
                    if query is queries.ORDER_LINES and mode == "incremental":
                        since = marks.get(queries.ORDERS.name)
                    result.extracted[query.name] = extract_into(
                        con, query, since=since, scratch_dir=folder
                    )
                    phase(f"extract {query.name}", started)
                # Customer and product custom fields (cf_ columns), read only when some
                # are defined.
                custom_staged = {
                    target: custom_fields_extract(
                        con,
                        target=target,
                        since=marks.get(target.watermark) if mode == "incremental" else None,
                        scratch_dir=folder,
                    )
                    for target in CUSTOM_FIELD_TARGETS
                }
                result.extracted.update(
                    (t.source.name, n) for t, n in custom_staged.items() if n is not None
                )
            started = time.perf_counter()
            result.deleted = apply_delta(
                con,
                incremental=mode == "incremental",
                time_zone=settings.TIME_ZONE,
                today=dt.datetime.now(dt.UTC).astimezone(_zone()).date(),
            )
            for target, staged in custom_staged.items():
                custom_fields_apply(con, target=target, staged=staged)
            # Erased customers, read now (after the source snapshot): an erasure committed
            # while this refresh read its sources, or one the erasure task missed, is
            # blanked in this file before it is published.
            result.erased_blanked = erasures_redact_in_place(
                con, customer_ids=sorted(customer_erased_ids())
            )
            result.high_water = watermarks_write(
                con,
                marks,
                extra=[t.source.name for t, staged in custom_staged.items() if staged is not None],
            )
            refreshed_at = dt.datetime.now(dt.UTC).astimezone(_zone()).replace(tzinfo=None)
            con.execute(
                """INSERT INTO refresh_state VALUES (?, ?, ?,
                       (SELECT count(*) FROM fact_sales), (SELECT count(*) FROM dim_customer))""",
                [refreshed_at, mode, result.high_water],
            )
            for table in schema.TABLE_DDL:
                result.rows[table] = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
            phase("transform", started)
            # Rollups are rebuilt with the facts so OLAP answers never mix two refreshes.
            started = time.perf_counter()
            olap_rollups_build(con)
            # RFM and tiers for today's date read one row per customer (analytics.rfm).
            customer_summary_build(con=con, as_of=refreshed_at.date())
            phase("olap rollups", started)
            started = time.perf_counter()
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            shutil.rmtree(spill, ignore_errors=True)
            new_path.unlink(missing_ok=True)
            raise
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
        _switch_pointer(folder, new_path.name)
        _prune(folder, keep={new_path.name} | ({current.name} if current else set()))
        phase("publish", started)
        return result


def warehouse_erasures_apply() -> list[int]:
    """Blank the erased customers' personal columns in the warehouse now; return their ids.

    Writes a new file (schema, then every table's rows, dim_customer's erased rows
    blanked on the way; rollups rebuilt from them) and switches ``CURRENT`` to it, like a
    refresh; older files are deleted, the previous one too, since it holds the values.
    Idempotent: ids the current file has already redacted are skipped, and nothing is
    written when none is left (or before the first refresh).

    :raises WarehouseBusy: a refresh (or another erasure) holds the lock; the caller
        retries, and the refresh itself applies every erasure before it publishes.
    """
    erased = customer_erased_ids()
    folder = warehouse_dir()
    with _refresh_lock():
        current = warehouse_current_path()
        if current is None or not erased:
            return []
        with contextlib.closing(duckdb.connect(str(current), read_only=True)) as con:
            pending = erasures_pending(con, erased_ids=erased)
        if not pending:
            return []
        new_path = folder / _new_file_name()
        con = duckdb.connect(str(new_path))
        spill = folder / f".spill-{new_path.stem}"
        try:
            _settings_apply(con, spill)
            target = con.execute("SELECT current_database()").fetchone()[0]
            escaped = str(current).replace("'", "''")
            con.execute(f"ATTACH '{escaped}' AS erasure_source (READ_ONLY)")
            erasures_copy_redacted(
                con, source="erasure_source", target=target, customer_ids=pending
            )
            con.execute("DETACH erasure_source")
            olap_rollups_build(con)
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            shutil.rmtree(spill, ignore_errors=True)
            new_path.unlink(missing_ok=True)
            raise
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
        _switch_pointer(folder, new_path.name)
        _prune(folder, keep={new_path.name})
        return pending


def warehouse_erasures_due() -> int:
    """Enqueue ``warehouse_erasures_task`` if the current file misses an erasure (a sweep).

    Return the number of erased customers still to blank (0: nothing enqueued).
    """
    erased = customer_erased_ids()
    current = warehouse_current_path()
    if current is None or not erased:
        return 0
    try:
        with contextlib.closing(duckdb.connect(str(current), read_only=True)) as con:
            pending = erasures_pending(con, erased_ids=erased)
    except duckdb.Error:
        return 0  # replaced or pruned between reading CURRENT and opening it: next sweep
    if pending:
        from dangol.analytics.tasks import warehouse_erasures_task
        from dangol.core.tasks import task_enqueue

        task_enqueue(warehouse_erasures_task)
    return len(pending)


def _zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.TIME_ZONE)


def warehouse_export(*, directory: Path, file_format: str = "parquet") -> dict[str, Path]:
    """Write one file per warehouse table into ``directory``; return table -> file.

    :raises WarehouseMissing: no refresh has run yet.
    """
    if file_format != "parquet":
        raise ValueError(f"Unsupported export format: {file_format}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    with contextlib.closing(warehouse_connect(read_only=True)) as con:
        for table in schema.EXPORT_TABLES:
            target = directory / f"{table}.parquet"
            escaped = str(target).replace("'", "''")
            con.execute(f"COPY \"{table}\" TO '{escaped}' (FORMAT parquet)")
            written[table] = target
    return written
