"""Write many rows at once: COPY on PostgreSQL, ``executemany`` on SQLite.

Per-row ORM saves cost two orders of magnitude more (../shared/notes); every bulk writer
(the demo, imports, analytics write-back) goes through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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
