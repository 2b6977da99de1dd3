"""Write many rows at once: COPY on PostgreSQL, ``executemany`` on SQLite.

Per-row ORM saves cost two orders of magnitude more (../shared/notes); every bulk writer
(the demo, imports, analytics write-back) goes through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection


def bulk_insert(*, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert ``rows`` into ``table`` and return how many were written.

    The caller owns the transaction; values must already be of the column's type.
    """
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3 cursor
            with raw.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})"
            batch: list[Sequence] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 10_000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    return count


def reset_sequence(*, table: str, column: str = "id") -> None:
    """Move a PostgreSQL identity sequence past the highest id written explicitly."""
    if connection.vendor != "postgresql":
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), "
            f"COALESCE((SELECT MAX({qn(column)}) FROM {qn(table)}), 0) + 1, false)",
            [table, column],
        )


def analyze_tables(*, tables: Sequence[str]) -> None:
    """Refresh the planner statistics of ``tables`` after a bulk load.

    Without them the planners guess row counts and pick slow plans for the list filters
    and searches. On PostgreSQL this also vacuums when outside a transaction, which sets
    the visibility map that index-only scans need. On SQLite an FTS5 table in ``tables``
    gets its index segments merged, which a load through triggers leaves fragmented.
    Tables missing on this database are skipped.
    """
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        tables = [t for t in tables if t in existing]  # e.g. the FTS table is SQLite-only
        if connection.vendor == "postgresql":
            # VACUUM refuses to run inside any transaction, Django's or one left open by
            # a caller that turned autocommit off.
            outside = connection.get_autocommit() and not connection.in_atomic_block
            verb = "VACUUM (ANALYZE)" if outside else "ANALYZE"
            for table in tables:
                cursor.execute(f"{verb} {qn(table)}")
            return
        for table in tables:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [table])
            row = cursor.fetchone()
            if row and "using fts5" in (row[0] or "").lower():
                cursor.execute(f"INSERT INTO {qn(table)}({qn(table)}) VALUES ('optimize')")
            else:
                cursor.execute(f"ANALYZE {qn(table)}")
        cursor.execute("PRAGMA optimize")


_TEMP_TYPES = {
    "postgresql": {
        "text": "text",
        "int": "bigint",
        "bool": "boolean",
        "date": "date",
        "datetime": "timestamptz",
        "decimal": "numeric(14, 2)",
    },
    # The declared types give SQLite columns the same affinity as Django's tables, so that
    # "does this row differ" compares like with like (12.50 as a number, not as text).
    "sqlite": {
        "text": "text",
        "int": "integer",
        "bool": "bool",
        "date": "date",
        "datetime": "datetime",
        "decimal": "decimal",
    },
}


def temp_table_create(*, name: str, columns: Sequence[tuple[str, str]]) -> None:
    """Create an empty temporary table ``name`` with ``(column, kind)`` columns.

    ``kind`` is one of text, int, bool, date, datetime, decimal. A table of the same name
    left by an earlier call in this session is replaced. Call inside a transaction; on
    PostgreSQL the table is dropped at commit.
    """
    qn = connection.ops.quote_name
    types = _TEMP_TYPES[connection.vendor]
    body = ", ".join(f"{qn(col)} {types[kind]}" for col, kind in columns)
    suffix = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {qn(name)}")
        cursor.execute(f"CREATE TEMPORARY TABLE {qn(name)} ({body}){suffix}")


def temp_table_drop(*, name: str) -> None:
    """Drop the temporary table ``name`` if it exists."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(name)}")


def sql_distinct(left: str, right: str) -> str:
    """Return SQL true when ``left`` and ``right`` differ, NULL counting as a value."""
    op = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    return f"{left} {op} {right}"


def sql_datetime(value) -> str:
    """Return an aware datetime as the text Django stores for it on this database."""
    import datetime as dt

    if connection.vendor == "postgresql":
        return value.isoformat()
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


def frame_rows(frame, columns: Sequence[tuple[str, str]]) -> Iterable[tuple]:
    """Yield the rows of a pandas ``frame`` as tuples of plain Python values.

    ``columns`` are ``(column, kind)`` as for ``temp_table_create``: text and decimal
    (as a string such as "12.50") pass through, int and bool become Python numbers,
    date is "YYYY-MM-DD" text and datetime an aware pandas column written as Django
    stores it. Missing values (NaN, NaT, None) become NULL. Converting whole columns
    first keeps the per-row cost to one ``zip``.
    """
    import pandas as pd

    lists = []
    for name, kind in columns:
        series = frame[name]
        if kind == "datetime":
            utc = series.dt.tz_convert("UTC")
            if connection.vendor == "postgresql":
                text = utc.dt.strftime("%Y-%m-%d %H:%M:%S.%f+00:00")
            else:
                text = utc.dt.strftime("%Y-%m-%d %H:%M:%S")
                micro = utc.dt.microsecond != 0
                if micro.any():
                    text = text.where(~micro, utc.dt.strftime("%Y-%m-%d %H:%M:%S.%f"))
            values = text.where(series.notna(), None).tolist()
        elif kind == "bool":
            values = series.astype(bool).tolist()
        elif kind == "int":
            values = series.astype("Int64").astype(object).where(series.notna(), None).tolist()
        else:
            values = series.astype(object).where(pd.notna(series), None).tolist()
        lists.append(values)
    return zip(*lists, strict=True)


@dataclass(frozen=True)
class UpsertResult:
    """What a bulk upsert did, counted in rows of its input."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


@contextmanager
def indexes_rebuilt_after(*, table: str, enabled: bool = True) -> Iterator[None]:
    """Drop ``table``'s secondary indexes and foreign keys on PostgreSQL; recreate on exit.

    The documented recipe for loading much data ("Populating a Database" in the
    PostgreSQL manual): building an index once over a million rows costs a fraction of
    maintaining it row by row, and re-adding a foreign key checks it in one join where a
    deferred key runs one query per row at commit. Primary keys and unique constraints
    stay (``ON CONFLICT`` needs them). Call inside a transaction: the DDL is part of it,
    so a failure rolls the indexes back with the rows; until commit the table is locked
    against readers, so use it for loads that write most of the table. No-op on SQLite
    and when ``enabled`` is false.
    """
    if not enabled or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # DDL refuses a table with deferred checks pending from earlier in the transaction
        # (rows written before, here or in a table it references): run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's keys are deferred
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
            "AND NOT i.indisunique AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        keys = cursor.fetchall()
        qn = connection.ops.quote_name
        for name, _definition in keys:
            cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")  # regclass text is quoted already
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in keys:
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
