"""Read one SQLite query into an Arrow IPC stream on stdout: the child side of extraction.

Run as ``python -m dangol.analytics.warehouse.sqlite_reader`` with a JSON request on stdin
(``{"path": ..., "sql": ..., "params": [...]}``). It uses the ADBC SQLite driver, which
builds Arrow columns in C (about 4x Python's ``sqlite3`` cursor), in a process of its own:
the driver links its own copy of SQLite, and two copies in one process cancel each other's
POSIX file locks (SQLite's "multiple copies" warning; the suite saw "disk I/O error"). In
a separate process it is just another reader of the WAL database.

This module imports neither Django nor DuckDB, and it drives the driver through the
low-level ``adbc_driver_manager`` API rather than its DB-API module, which imports
``pyarrow.dataset`` and pandas (about 0.35 s of CPU per child, and a refresh starts one
child per source). The parent (``extract.py``) consumes the stream while the child still
reads.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    """Execute the request read from stdin and write its rows to stdout as Arrow IPC."""
    import adbc_driver_manager
    import adbc_driver_sqlite
    import pyarrow as pa

    request = json.load(sys.stdin)
    with (
        adbc_driver_sqlite.connect(request["path"]) as database,
        adbc_driver_manager.AdbcConnection(database) as conn,
        adbc_driver_manager.AdbcStatement(conn) as statement,
    ):
        # Infer each column's type from a large first batch: a nullable column (an owner,
        # a birth date) is often NULL in its first rows.
        statement.set_options(**{"adbc.sqlite.query.batch_rows": "65536"})
        statement.set_sql_query(request["sql"])
        if request["params"]:
            names = [str(i) for i in range(len(request["params"]))]
            statement.bind(pa.record_batch([[v] for v in request["params"]], names=names))
        handle, _ = statement.execute_query()
        reader = pa.RecordBatchReader._import_from_c(handle.address)
        with pa.ipc.new_stream(sys.stdout.buffer, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)


if __name__ == "__main__":
    main()
