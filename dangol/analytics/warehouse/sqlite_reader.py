"""Read one SQLite query into an Arrow IPC stream on stdout: the child side of extraction.

Run as ``python -m dangol.analytics.warehouse.sqlite_reader`` with a JSON request on stdin
(``{"path": ..., "sql": ..., "params": [...]}``). It uses the ADBC SQLite driver, which
builds Arrow columns in C (about 4x Python's ``sqlite3`` cursor), in a process of its own:
the driver links its own copy of SQLite, and two copies in one process cancel each other's
POSIX file locks (SQLite's "multiple copies" warning; the suite saw "disk I/O error"). In
a separate process it is just another reader of the WAL database.

This module imports neither Django nor DuckDB, so the child starts in a fraction of a
second; the parent (``extract.py``) consumes the stream while the child still reads.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    """Execute the request read from stdin and write its rows to stdout as Arrow IPC."""
    import adbc_driver_sqlite.dbapi as adbc_sqlite
    import pyarrow as pa

    request = json.load(sys.stdin)
    with adbc_sqlite.connect(request["path"]) as conn, conn.cursor() as cursor:
        # Infer each column's type from a large first batch: a nullable column (an owner,
        # a birth date) is often NULL in its first rows.
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": "65536"})
        cursor.execute(request["sql"], request["params"] or None)
        reader = cursor.fetch_record_batch()
        with pa.ipc.new_stream(sys.stdout.buffer, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)


if __name__ == "__main__":
    main()
