"""Erased customers in the warehouse: their personal columns blanked in the DuckDB file.

An erasure (``customers.privacy.customer_erase``) clears the person in the operational
database; the warehouse would keep their gender, birth date, age band, city and custom
fields until the next refresh re-read them. ``services.warehouse_erasures_apply`` (run
after the erasure commits, see ``analytics.tasks``) writes a new warehouse file in which
those columns of every erased customer hold what a refresh would now read ('' or NULL,
age band 'unknown'), and every refresh applies the same redaction to the file it builds,
so an erasure missed by the task (the warehouse was locked, the worker was down, a
restored backup brought an older file back) is applied by the next one at the latest.

The ids already redacted in a file are kept in ``warehouse_erased`` (ids and times only).
Facts, amounts and dates are not touched: totals stay the same.
"""

from __future__ import annotations

import duckdb

ERASED_TABLE = "warehouse_erased"
ERASED_DDL = (
    f"CREATE TABLE IF NOT EXISTS {ERASED_TABLE} "
    "(customer_id BIGINT PRIMARY KEY, redacted_at TIMESTAMP)"
)
# dim_customer's personal columns and the value an erased customer's row holds instead
# (what a refresh reads from the erased row). Every ``cf_`` column becomes NULL.
PERSONAL_VALUES = {
    "gender": "''",
    "birth_date": "NULL",
    "age_band": "'unknown'",
    "city": "''",
}


def _has_table(con: duckdb.DuckDBPyConnection, table: str, catalog: str | None = None) -> bool:
    sql = "SELECT count(*) FROM information_schema.tables WHERE table_name = ?"
    params: list = [table]
    if catalog is not None:
        sql += " AND table_catalog = ?"
        params.append(catalog)
    return con.execute(sql, params).fetchone()[0] > 0


def erasures_pending(con: duckdb.DuckDBPyConnection, *, erased_ids: set[int]) -> list[int]:
    """Return the ids of ``erased_ids`` this warehouse file has not redacted yet (sorted)."""
    if not erased_ids:
        return []
    done: set[int] = set()
    if _has_table(con, ERASED_TABLE):
        done = {row[0] for row in con.execute(f"SELECT customer_id FROM {ERASED_TABLE}").fetchall()}
    return sorted(set(erased_ids) - done)


def personal_select(columns: list[str], *, erased: str) -> str:
    """Return dim_customer's select list with the personal columns blanked for ``erased``.

    ``erased`` is a SQL relation with one column ``customer_id``.
    """
    out = []
    for column in columns:
        blank = PERSONAL_VALUES.get(column)
        if blank is None and column.startswith("cf_"):
            blank = "NULL"
        if blank is None:
            out.append(f'"{column}"')
        else:
            out.append(
                f"CASE WHEN customer_id IN (SELECT customer_id FROM {erased}) THEN {blank} "
                f'ELSE "{column}" END AS "{column}"'
            )
    return ", ".join(out)


def customer_columns(con: duckdb.DuckDBPyConnection, *, catalog: str | None = None) -> list[str]:
    """Return dim_customer's columns in table order (the ``cf_`` ones included)."""
    sql = "SELECT column_name FROM information_schema.columns WHERE table_name = 'dim_customer'"
    params: list = []
    if catalog is not None:
        sql += " AND table_catalog = ?"
        params.append(catalog)
    return [row[0] for row in con.execute(sql + " ORDER BY ordinal_position", params).fetchall()]


def erasures_redact_in_place(con: duckdb.DuckDBPyConnection, *, customer_ids: list[int]) -> int:
    """Blank the personal columns of ``customer_ids`` in a file being built; record them.

    Used by the refresh (before its rollups are built), on the new file no reader has
    opened yet, with every erased id: a row already blank is left alone, so a refresh
    with nothing new changes no row. Return the dim_customer rows changed.
    """
    con.execute(ERASED_DDL)
    if not customer_ids:
        return 0
    con.execute("CREATE OR REPLACE TEMP TABLE _erasing (customer_id BIGINT)")
    con.executemany("INSERT INTO _erasing VALUES (?)", [(pk,) for pk in customer_ids])
    sets, differs = [], []
    for column in customer_columns(con):
        blank = PERSONAL_VALUES.get(column) or ("NULL" if column.startswith("cf_") else None)
        if blank is not None:
            sets.append(f'"{column}" = {blank}')
            differs.append(f'"{column}" IS DISTINCT FROM {blank}')
    changed = con.execute(
        f"UPDATE dim_customer SET {', '.join(sets)} "
        "WHERE customer_id IN (SELECT customer_id FROM _erasing) "
        f"AND ({' OR '.join(differs)})"
    ).fetchone()[0]
    con.execute(
        f"INSERT OR IGNORE INTO {ERASED_TABLE} SELECT customer_id, current_timestamp::TIMESTAMP "
        "FROM _erasing"
    )
    con.execute("DROP TABLE _erasing")
    return changed


def erasures_copy_redacted(
    con: duckdb.DuckDBPyConnection, *, source: str, target: str, customer_ids: list[int]
) -> None:
    """Copy every table of catalog ``source`` into the empty catalog ``target``, redacted.

    The schema is copied first (keys, views), then each table's rows; dim_customer's
    rows of ``customer_ids`` are blanked on the way, so the new file never holds the
    old values (an UPDATE of a copied file could leave them in freed blocks).
    """
    con.execute(f'COPY FROM DATABASE "{source}" TO "{target}" (SCHEMA)')
    con.execute("CREATE OR REPLACE TEMP TABLE _erasing (customer_id BIGINT)")
    con.executemany("INSERT INTO _erasing VALUES (?)", [(pk,) for pk in customer_ids])
    tables = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_catalog = ? AND table_schema = 'main' AND table_type = 'BASE TABLE'",
        [source],
    ).fetchall()
    for (table,) in tables:
        if table == "dim_customer":
            columns = customer_columns(con, catalog=source)
            select = personal_select(columns, erased="_erasing")
        else:
            select = "*"
        con.execute(
            f'INSERT INTO "{target}".main."{table}" SELECT {select} FROM "{source}".main."{table}"'
        )
    con.execute(
        f'CREATE TABLE IF NOT EXISTS "{target}".main.{ERASED_TABLE} '
        "(customer_id BIGINT PRIMARY KEY, redacted_at TIMESTAMP)"
    )
    con.execute(
        f'INSERT OR IGNORE INTO "{target}".main.{ERASED_TABLE} '
        "SELECT customer_id, current_timestamp::TIMESTAMP FROM _erasing"
    )
    con.execute("DROP TABLE _erasing")
