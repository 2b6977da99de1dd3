"""Bulk extraction from the operational database into DuckDB staging tables.

PostgreSQL: the ADBC PostgreSQL driver (binary COPY decoded into Arrow in C++) on a second
connection that imports the refresh's exported snapshot (``pg_source_reader``), so every
source is read as of one instant; inside a caller's transaction, or without the driver,
``COPY (SELECT ...) TO STDOUT (FORMAT csv)`` streamed into a file that DuckDB's CSV reader
loads (no Python object per value; about twice the CPU, in DuckDB and in the backend).
SQLite (the DuckDB sqlite extension is not
in the wheel and would need a download): the ADBC SQLite driver in a child process
(``sqlite_reader.py``) streams Arrow record batches through a pipe, which DuckDB inserts as
they arrive. A child, because the driver links a second copy of SQLite, and two copies in
one process cancel each other's POSIX file locks ("disk I/O error"). Inside a transaction
(uncommitted rows a child cannot see) or on an in-memory database, Django's own ``sqlite3``
connection is read in ``fetchmany`` chunks instead (about 4x slower). No ORM objects on
any path.

Nullable dates travel as '' and become NULL again in DuckDB.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import duckdb
import pyarrow as pa
from django.db import connection

from dangol.analytics.warehouse.queries import SourceQuery

FETCH_ROWS = 100_000
_MACRO = re.compile(r"\{(utc|date|dec|bool):([^}]+)\}")
_SQLITE_MACROS = {
    "utc": "COALESCE(CAST({} AS TEXT), '')",
    "date": "COALESCE(CAST({} AS TEXT), '')",
    "dec": "CAST({} AS REAL)",
    "bool": "CAST({} AS INTEGER)",
}

# The ADBC connection reading PostgreSQL inside ``pg_source_reader`` (None: use COPY csv).
_PG_READER: contextvars.ContextVar = contextvars.ContextVar("pg_reader", default=None)
# What pg_export_snapshot() returns, e.g. 00000003-0000001B-1 (checked before SET).
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")

_ARROW_TYPES = {
    "BIGINT": pa.int64(),
    "INTEGER": pa.int64(),
    "DECIMAL(14,2)": pa.float64(),
    "BOOLEAN": pa.int64(),
}


def _render(
    query: SourceQuery, *, vendor: str, since: dt.datetime | None, arrow: bool = False
) -> tuple[str, dict]:
    """Return the backend's SQL for ``query`` and its parameters.

    ``arrow``: PostgreSQL read through ADBC, which hands ``numeric`` over as text; it is
    sent as float8 instead (binary, 8 bytes), as SQLite's path sends REAL: every value has
    at most 14 significant digits, so the cast back to DECIMAL(14,2) restores it exactly.
    """

    def macro(match: re.Match) -> str:
        kind, expr = match.group(1), match.group(2)
        if vendor == "postgresql":
            if kind == "utc":
                return f"({expr} AT TIME ZONE 'UTC')"
            return f"CAST({expr} AS float8)" if kind == "dec" and arrow else expr
        return _SQLITE_MACROS[kind].format(expr)

    sql = _MACRO.sub(macro, query.sql)
    params: dict = {}
    where = ""
    if since is not None and query.since_column:
        where = f"WHERE {query.since_column} > %(since)s"
        if vendor == "postgresql":
            params["since"] = since.replace(tzinfo=dt.UTC)
        else:
            # Django stores SQLite datetimes as naive UTC text in isoformat(" "), whose
            # string order is time order.
            params["since"] = since.replace(tzinfo=None).isoformat(" ")
    return sql.replace("{since}", where), params


def stage_create(con: duckdb.DuckDBPyConnection, query: SourceQuery) -> str:
    """Create the empty temp staging table of ``query`` and return its name."""
    table = f"stage_{query.name}"
    cols = ", ".join(f'"{name}" {kind}' for name, kind in query.columns)
    con.execute(f'CREATE OR REPLACE TEMP TABLE "{table}" ({cols})')
    return table


def extract_into(
    con: duckdb.DuckDBPyConnection,
    query: SourceQuery,
    *,
    since: dt.datetime | None = None,
    scratch_dir: Path | None = None,
) -> int:
    """Run ``query`` on the operational database into its staging table; return the rows."""
    table = stage_create(con, query)
    connection.ensure_connection()
    vendor = connection.vendor
    sql, params = _render(query, vendor=vendor, since=since)
    if vendor == "postgresql" and _PG_READER.get() is not None:
        sql, params = _render(query, vendor=vendor, since=since, arrow=True)
        _extract_postgresql_adbc(con, query, table, sql.replace("%(since)s", "$1"), params)
    elif vendor == "postgresql":
        _extract_postgresql(con, query, table, sql, params, scratch_dir)
    else:
        if connection.in_atomic_block or connection.is_in_memory_db():
            sql = sql.replace("%(since)s", ":since")
            _extract_sqlite_cursor(con, query, table, sql, params)
        else:
            # ADBC binds positionally; the high-water mark is the only parameter.
            sql = sql.replace("%(since)s", "?")
            _extract_sqlite_child(con, query, table, sql, [params["since"]] if params else [])
    return con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]


@contextlib.contextmanager
def pg_source_reader() -> Iterator[None]:
    """Read PostgreSQL sources through ADBC on the current transaction's snapshot.

    Call inside the REPEATABLE READ transaction the refresh reads in: its snapshot is
    exported (``pg_export_snapshot``) and imported by a second, ADBC connection, so both
    see exactly the same rows. Without the driver (``adbc-driver-postgresql`` is
    optional) the sources are read by COPY csv on Django's connection as before.
    """
    try:
        import adbc_driver_postgresql.dbapi as adbc_pg
    except ImportError:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise RuntimeError(f"Unexpected snapshot id from PostgreSQL: {snapshot!r}")
    reader = adbc_pg.connect(_libpq_uri(connection.settings_dict), autocommit=True)
    try:
        with reader.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        token = _PG_READER.set(reader)
        try:
            yield
        finally:
            _PG_READER.reset(token)
            with reader.cursor() as cursor:
                cursor.execute("COMMIT")
    finally:
        reader.close()


def _libpq_uri(settings: dict) -> str:
    """Return a libpq URI for Django's PostgreSQL settings (every part percent-quoted)."""
    user = quote(settings.get("USER") or "", safe="")
    password = settings.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or ""
    if host.startswith("/"):  # a Unix socket directory
        host = quote(host, safe="")
    elif ":" in host and not host.startswith("["):  # an IPv6 address
        host = f"[{host}]"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    options = settings.get("OPTIONS") or {}
    query = "&".join(
        f"{key}={quote(str(options[key]), safe='')}"
        for key in ("sslmode", "sslrootcert", "sslcert", "sslkey", "application_name")
        if options.get(key)
    )
    name = quote(settings.get("NAME") or "", safe="")
    return f"postgresql://{auth}{host}{port}/{name}" + (f"?{query}" if query else "")


def _extract_postgresql_adbc(con, query, table, sql, params) -> None:
    reader = _PG_READER.get()
    with reader.cursor() as cursor:
        cursor.execute(sql, [params["since"]] if params else None)
        stream = cursor.fetch_record_batch()
        names = [f"column{i}" for i in range(len(query.columns))]
        renamed = pa.RecordBatchReader.from_batches(
            pa.schema([pa.field(n, f.type) for n, f in zip(names, stream.schema, strict=True)]),
            (pa.RecordBatch.from_arrays(batch.columns, names=names) for batch in stream),
        )
        con.register("_batches", renamed)
        try:
            con.execute(f'INSERT INTO "{table}" {_stage_select(query, "_batches", typed=True)}')
        finally:
            con.unregister("_batches")


def _extract_postgresql(con, query, table, sql, params, scratch_dir) -> None:
    raw = connection.connection
    with tempfile.NamedTemporaryFile("wb", suffix=".csv", dir=scratch_dir, delete=True) as handle:
        with raw.cursor() as cursor:
            copy_sql = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
            with cursor.copy(copy_sql, params or None) as copy:
                for chunk in copy:
                    handle.write(chunk)
        handle.flush()
        if handle.tell() == 0:
            return
        columns = ", ".join(f"'{name}': '{kind}'" for name, kind in query.columns)
        # PostgreSQL writes NULL unquoted and '' quoted; allow_quoted_nulls keeps them apart.
        con.execute(
            f"""INSERT INTO "{table}" SELECT * FROM read_csv(?, header = false,
                auto_detect = false, delim = ',', quote = '"', escape = '"',
                allow_quoted_nulls = false,
                columns = {{{columns}}})""",
            [handle.name],
        )


def _stage_select(query: SourceQuery, source: str, *, typed: bool = False) -> str:
    """SELECT from an Arrow source casting each column to its staging type.

    Dates arrive as text ('' for NULL) unless ``typed`` (ADBC PostgreSQL: real dates).
    """
    exprs = []
    for position, (_name, kind) in enumerate(query.columns):
        column = f'"{source}"."column{position}"'
        if kind in ("DATE", "TIMESTAMP") and not typed:
            exprs.append(f"CAST(NULLIF({column}, '') AS {kind})")
        else:
            exprs.append(f"CAST({column} AS {kind})")
    return f"SELECT {', '.join(exprs)} FROM {source}"


def _extract_sqlite_child(con, query, table, sql, params) -> None:
    request = json.dumps(
        {"path": str(connection.settings_dict["NAME"]), "sql": sql, "params": params}
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "dangol.analytics.warehouse.sqlite_reader"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    child.stdin.write(request.encode())
    child.stdin.close()
    error: Exception | None = None
    try:
        stream = pa.ipc.open_stream(child.stdout)
        names = [f"column{i}" for i in range(len(query.columns))]
        renamed = pa.RecordBatchReader.from_batches(
            pa.schema([pa.field(n, f.type) for n, f in zip(names, stream.schema, strict=True)]),
            (pa.RecordBatch.from_arrays(batch.columns, names=names) for batch in stream),
        )
        con.register("_batches", renamed)
        try:
            con.execute(f'INSERT INTO "{table}" {_stage_select(query, "_batches")}')
        finally:
            con.unregister("_batches")
    except Exception as exc:
        error = exc
    finally:
        if error is not None:
            child.kill()
        child.stdout.close()
        stderr = child.stderr.read().decode(errors="replace")
        child.stderr.close()
        code = child.wait()
    if code != 0 or error is not None:
        raise RuntimeError(
            f"SQLite reader failed ({code}): {stderr.strip()[-2000:] or error}"
        ) from error


def _extract_sqlite_cursor(con, query, table, sql, params) -> None:
    raw = connection.connection
    names = [f"column{i}" for i in range(len(query.columns))]
    arrow_types = [_ARROW_TYPES.get(kind, pa.string()) for _, kind in query.columns]
    cursor = raw.cursor()
    try:
        cursor.arraysize = FETCH_ROWS
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            columns = list(zip(*rows, strict=True))
            batch = pa.table(
                [pa.array(col, type=t) for col, t in zip(columns, arrow_types, strict=True)],
                names=names,
            )
            con.register("_batch", batch)
            con.execute(f'INSERT INTO "{table}" {_stage_select(query, "_batch")}')
            con.unregister("_batch")
    finally:
        cursor.close()
