"""Bulk writes of customers: the upsert behind imports of a million rows.

One SQL statement per step instead of one ORM save per row (two orders of magnitude
faster, ../shared/notes/measured-baselines.md): the rows go into a temporary table (COPY
on PostgreSQL, ``executemany`` on SQLite), then ``INSERT ... ON CONFLICT DO UPDATE ...
WHERE`` merges them, touching only rows that really differ, so that importing the same
file twice changes nothing (neither ``version`` nor ``updated_at``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from dangol.core.bulk import (
    UpsertResult,
    bulk_insert,
    frame_rows,
    indexes_rebuilt_after,
    sql_datetime,
    sql_distinct,
    temp_table_create,
    temp_table_drop,
)
from dangol.core.customfields.sql import custom_differs_sql, custom_json_sql, custom_merge_sql
from dangol.customers.choices import ConsentChannel
from dangol.customers.models import ConsentEvent, Customer, CustomerGroup

_STAGE = "tmp_customer_upsert"
MERGE_STEP = 100_000
# Smallest load for which the indexes are rebuilt instead of maintained row by row.
REBUILD_MIN_ROWS = 100_000
# SQLite: the trigger that copies each new name into the FTS5 search table (migration 0002).
_FTS_TABLE = "customers_customer_fts"
_FTS_INSERT_TRIGGER = "customers_customer_fts_ai"
# Columns of the customer record an import writes, with their staging type.
COLUMNS: list[tuple[str, str]] = [
    ("external_id", "text"),
    ("kind", "text"),
    ("name", "text"),
    ("email", "text"),
    ("phone", "text"),
    ("phone_digits", "text"),
    ("gender", "text"),
    ("birth_date", "date"),
    ("region", "text"),
    ("city", "text"),
    ("customer_group_id", "int"),
    ("acquisition_channel", "text"),
    ("status", "text"),
    ("consent_email", "bool"),
    ("consent_sms", "bool"),
    ("consent_phone", "bool"),
    ("consent_post", "bool"),
]
DEFAULTS = {
    "kind": "person",
    "email": "",
    "phone": "",
    "gender": "",
    "birth_date": None,
    "region": "",
    "city": "",
    "customer_group_id": None,
    "acquisition_channel": "",
    "status": "lead",
    "consent_email": False,
    "consent_sms": False,
    "consent_phone": False,
    "consent_post": False,
}
CONSENT_CHANNELS = [c.value for c in ConsentChannel]
# Custom fields arrive as one JSON object per row (``cf_<key>`` columns, see
# ``core.customfields.imports``); NULL when the file had none.
_STAGED = [*COLUMNS, ("custom_fields", "text"), ("seq", "int")]


def normalize_email_column(values: pd.Series) -> pd.Series:
    """Return emails stripped and lower-cased (``normalize.normalize_email``, column-wise)."""
    return values.fillna("").astype(str).str.strip().str.lower()


def normalize_phone_column(values: pd.Series) -> pd.Series:
    """Return national-format digits (``normalize.normalize_phone``, column-wise)."""
    digits = values.fillna("").astype(str).str.replace(r"\D+", "", regex=True)
    starts_820 = digits.str.startswith("820")
    starts_82 = digits.str.startswith("82") & (digits.str.len() >= 11) & ~starts_820
    out = np.where(starts_82, "0" + digits.str.slice(2), digits)
    out = np.where(starts_820, digits.str.slice(2), out)
    return pd.Series(out, index=values.index, dtype=object).str.slice(0, 20)


def customer_ids_by_external_id(*, external_ids: list[str]) -> dict[str, int]:
    """Return ``{external_id: id}`` for the given external ids that exist."""
    if len(external_ids) > 50_000:
        # Reading the whole key index is cheaper than thousands of IN (...) queries.
        wanted = set(external_ids)
        rows = Customer.objects.filter(external_id__isnull=False).values_list("external_id", "id")
        return {e: i for e, i in rows.iterator(chunk_size=20_000) if e in wanted}
    found: dict[str, int] = {}
    for start in range(0, len(external_ids), 5_000):
        chunk = external_ids[start : start + 5_000]
        found.update(
            Customer.objects.filter(external_id__in=chunk).values_list("external_id", "id")
        )
    return found


def customer_external_id_index() -> dict[str, int]:
    """Return ``{external_id: id}`` of every customer that has an external id."""
    rows = Customer.objects.filter(external_id__isnull=False).values_list("external_id", "id")
    return dict(rows.iterator(chunk_size=20_000))


def customer_group_ids(*, keys: list[str]) -> dict[str, int]:
    """Return ``{key: id}`` for groups named by code, name or Korean name."""
    found: dict[str, int] = {}
    for group in CustomerGroup.objects.all():
        for key in (group.name_ko, group.name, group.code):
            if key:
                found[key] = group.pk
                found[key.lower()] = group.pk
    return {k: found.get(k, found.get(k.lower())) for k in keys if k in found or k.lower() in found}


def _prepare(table: pd.DataFrame, present: Iterable[str]) -> tuple[pd.DataFrame, list[str]]:
    """Return the staging frame (defaults filled) and the columns an update may change."""
    present = set(present)
    frame = pd.DataFrame(index=table.index)
    for name, _kind in COLUMNS:
        if name == "phone_digits":
            continue
        if name in table.columns and (name in present or name == "external_id"):
            frame[name] = table[name]
        else:
            frame[name] = DEFAULTS.get(name)
    frame["external_id"] = frame["external_id"].astype(str).str.strip()
    frame["name"] = frame["name"].astype(str).str.strip()
    frame["email"] = normalize_email_column(frame["email"])
    frame["phone"] = frame["phone"].fillna("").astype(str).str.strip()
    frame["phone_digits"] = normalize_phone_column(frame["phone"])
    frame["custom_fields"] = (
        table["custom_fields"] if "custom_fields" in present and "custom_fields" in table else None
    )
    return frame[[n for n, _ in COLUMNS] + ["custom_fields"]], _updatable(present)


def _updatable(present: set[str]) -> list[str]:
    """Return the columns an update of an existing customer may change."""
    updatable = [n for n, _ in COLUMNS if n in present and n != "external_id"]
    if "phone" in updatable:
        updatable.append("phone_digits")
    return updatable


def customer_bulk_stage_begin() -> None:
    """Create the (empty) staging table of a customer upsert; call inside a transaction."""
    temp_table_create(name=_STAGE, columns=[*_STAGED, ("customer_id", "int"), ("changed", "bool")])


def customer_bulk_stage(
    *,
    table: pd.DataFrame,
    present: Iterable[str],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Stage validated customer rows (one slice of a file) for ``customer_bulk_merge``.

    The table's index (the file line, increasing across slices) orders the merge.
    Returns the number of rows staged.
    """
    frame, _ = _prepare(table, set(present))
    if len(frame) == 0:
        return 0
    index = np.asarray(table.index, dtype="int64")
    frame["seq"] = index if (np.diff(index) > 0).all() else np.arange(len(frame))
    _stage(frame, progress)
    return len(frame)


def customer_bulk_stage_drop(*, lines: Iterable[int]) -> None:
    """Remove staged rows of the given file lines (rejected by checks across the file)."""
    rows = [(int(line),) for line in lines]
    if not rows:
        return
    temp_table_create(name="tmp_customer_drop", columns=[("line", "int")])
    bulk_insert(table="tmp_customer_drop", columns=["line"], rows=rows)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_STAGE} WHERE seq IN (SELECT line FROM tmp_customer_drop)")
    temp_table_drop(name="tmp_customer_drop")


@transaction.atomic
def customer_bulk_upsert(
    *,
    table: pd.DataFrame,
    present: Iterable[str] | None = None,
    source: str = "import",
    progress: Callable[[int], None] | None = None,
) -> UpsertResult:
    """Insert or update customers by ``external_id`` from a validated table.

    :param table: one row per customer with the columns of ``COLUMNS`` (``customer_group_id``
        resolved; ``birth_date`` as "YYYY-MM-DD"; external ids unique and non-empty).
    :param present: the columns the source had; only these change on an existing
        customer (a file without ``city`` leaves cities alone). Default: the table's.
    :param source: recorded on the consent events ("import customers.csv").
    :param progress: called with the number of rows staged, then of rows merged (twice
        the row count in all).
    :returns: rows inserted, updated (something differed) and unchanged.

    Consent changes leave a ``ConsentEvent`` each (new customers: the consents granted).
    """
    present = set(table.columns if present is None else present)
    if len(table) == 0:
        return UpsertResult()
    customer_bulk_stage_begin()
    customer_bulk_stage(table=table, present=present, progress=progress)
    return customer_bulk_merge(present=present, source=source, progress=progress)


@transaction.atomic
def customer_bulk_merge(
    *,
    present: Iterable[str],
    source: str = "import",
    progress: Callable[[int], None] | None = None,
) -> UpsertResult:
    """Merge the staged customers into the table (see ``customer_bulk_upsert``)."""
    present = set(present)
    updatable = _updatable(present)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MIN(seq), MAX(seq) FROM {_STAGE}")
        total, low, high = cursor.fetchone()
    if not total:
        temp_table_drop(name=_STAGE)
        return UpsertResult()
    qn = connection.ops.quote_name
    now = sql_datetime(timezone.now())
    target = Customer._meta.db_table
    events = ConsentEvent._meta.db_table
    differs_parts = [sql_distinct(f"c.{qn(n)}", f"t.{qn(n)}") for n in updatable]
    custom = "custom_fields" in present
    if custom:
        differs_parts.append(custom_differs_sql("c.custom_fields", "t.custom_fields"))
    differs = " OR ".join(differs_parts) or "FALSE"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {_STAGE}_seq ON {_STAGE} (seq)")
        # One lookup of the key per row; every later step joins on the primary key or
        # touches only the new and the changed rows.
        cursor.execute(
            f"UPDATE {_STAGE} SET customer_id = c.id FROM {target} c "
            f"WHERE c.external_id = {_STAGE}.external_id"
        )
        existing_rows = cursor.rowcount
        inserted = total - existing_rows
        updated = 0
        if existing_rows:
            cursor.execute(
                f"UPDATE {_STAGE} AS t SET changed = TRUE FROM {target} c "
                f"WHERE c.id = t.customer_id AND ({differs})"
            )
            updated = cursor.rowcount
        consent_events = 0
        # Changed consent of existing customers: recorded before the merge overwrites it.
        for channel in CONSENT_CHANNELS:
            col = f"consent_{channel}"
            if col not in updatable or not updated:
                continue
            cursor.execute(
                f"INSERT INTO {events} (customer_id, channel, granted, occurred_at, source) "
                f"SELECT c.id, %s, t.{col}, %s, %s FROM {_STAGE} t JOIN {target} c "
                f"ON c.id = t.customer_id WHERE t.changed "
                f"AND {sql_distinct(f'c.{col}', f't.{col}')} ORDER BY t.seq",
                [channel, now, source[:100]],
            )
            consent_events += cursor.rowcount
        names = [n for n, _ in COLUMNS]
        insert_cols = ", ".join(qn(n) for n in names)
        select_cols = ", ".join(f"t.{qn(n)}" for n in names)
        set_parts = [f"{qn(n)} = excluded.{qn(n)}" for n in updatable]
        changed_parts = [sql_distinct(f"{target}.{qn(n)}", f"excluded.{qn(n)}") for n in updatable]
        if custom:
            merged = custom_merge_sql(f"{target}.custom_fields", "excluded.custom_fields")
            set_parts.append(f"custom_fields = {merged}")
            changed_parts.append(
                custom_differs_sql(
                    f"{target}.custom_fields", "excluded.custom_fields", staged=False
                )
            )
        sets = ", ".join(set_parts)
        changed = " OR ".join(changed_parts)
        on_conflict = (
            f"ON CONFLICT (external_id) DO UPDATE SET {sets}, "
            f"version = {target}.version + 1, updated_at = excluded.updated_at WHERE {changed}"
            if set_parts
            else "ON CONFLICT (external_id) DO NOTHING"
        )
        new_custom = custom_json_sql("t.custom_fields") if custom else "%s"
        cursor.execute(f"SELECT COUNT(*) FROM {target}")
        before = cursor.fetchone()[0]
        # A load that at least doubles the table builds its indexes afresh:
        # 1M new rows in ~20 indexes, maintained row by row, dominate the import.
        rebuild = inserted >= max(before, REBUILD_MIN_ROWS)
        with (
            indexes_rebuilt_after(table=target, enabled=rebuild),
            _sqlite_indexes_rebuilt_after(table=target, enabled=rebuild),
        ):
            # The merge runs in slices of the staged rows, so that a million-row import
            # shows progress through its longest step, not only through the staging.
            # Slices of MERGE_STEP staged rows (seq is a file line: gaps are possible).
            merged = 0
            for start in range(low, high + 1, MERGE_STEP):
                if inserted or updated:
                    cursor.execute(
                        f"INSERT INTO {target} ({insert_cols}, custom_fields, version, "
                        f"created_at, updated_at) SELECT {select_cols}, {new_custom}, 1, %s, %s "
                        f"FROM {_STAGE} t WHERE t.seq >= %s AND t.seq < %s "
                        f"AND (t.customer_id IS NULL OR t.changed) ORDER BY t.seq "
                        f"{on_conflict}",
                        [*([] if custom else ["{}"]), now, now, start, start + MERGE_STEP],
                    )
                if progress is not None:
                    # Rows merged so far, pro rata of the seq range (exactly ``total`` at
                    # the end).
                    reached = total * (min(start + MERGE_STEP, high + 1) - low) // (high + 1 - low)
                    progress(reached - merged)
                    merged = reached
        granted = [
            (pos, channel)
            for pos, channel in enumerate(CONSENT_CHANNELS)
            if f"consent_{channel}" in present
        ]
        if inserted and granted:
            # The consents new customers start with, all channels in one join.
            channels = " UNION ALL ".join(
                f"SELECT {pos} AS pos, '{channel}' AS channel" for pos, channel in granted
            )
            which = " OR ".join(f"(ch.pos = {pos} AND t.consent_{ch})" for pos, ch in granted)
            cursor.execute(
                f"INSERT INTO {events} (customer_id, channel, granted, occurred_at, source) "
                f"SELECT c.id, ch.channel, TRUE, %s, %s FROM {_STAGE} t JOIN {target} c "
                f"ON c.external_id = t.external_id JOIN ({channels}) ch ON ({which}) "
                f"WHERE t.customer_id IS NULL ORDER BY ch.pos, t.seq",
                [now, source[:100]],
            )
            consent_events += cursor.rowcount
    temp_table_drop(name=_STAGE)
    return UpsertResult(
        inserted=inserted,
        updated=updated,
        unchanged=total - inserted - updated,
        extra={"consent_events": consent_events},
    )


@contextmanager
def _sqlite_indexes_rebuilt_after(*, table: str, enabled: bool) -> Iterator[None]:
    """SQLite: drop the customers' secondary indexes and FTS trigger; rebuild them on exit.

    SQLite's counterpart of ``core.bulk.indexes_rebuilt_after`` for a load that at least
    doubles the table. Thirteen indexes maintained row by row (most on random keys: names,
    emails, phones) and a trigger per row into the FTS5 table cost more than building each
    index once by sorting and filling the search table in one statement. Unique indexes
    stay (``ON CONFLICT`` needs them); the UPDATE and DELETE triggers stay, so the names of
    updated rows are re-indexed as before. Inside the import's transaction: a failure rolls
    back the DDL with the rows, and readers keep seeing the old table until commit. Planner
    statistics of the dropped indexes go with them, so the table is analysed again when it
    had statistics. No-op on PostgreSQL and when ``enabled`` is false.
    """
    if not enabled or connection.vendor != "sqlite":
        yield
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
            [_FTS_INSERT_TRIGGER],
        )
        trigger = cursor.fetchone()
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {qn(table)}")
        last_id = cursor.fetchone()[0]
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        had_stats = False
        if cursor.fetchone():
            cursor.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = %s LIMIT 1", [table])
            had_stats = cursor.fetchone() is not None
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
        if trigger:
            cursor.execute(f"DROP TRIGGER {qn(_FTS_INSERT_TRIGGER)}")
    yield
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)
        if trigger:
            # Ids only grow (AUTOINCREMENT): the rows past the old maximum are the new ones.
            cursor.execute(
                f"INSERT INTO {_FTS_TABLE}(rowid, name) "
                f"SELECT id, name FROM {qn(table)} WHERE id > %s ORDER BY id",
                [last_id],
            )
            cursor.execute(trigger[0])
        if had_stats:
            cursor.execute(f"ANALYZE {qn(table)}")


def _stage(frame: pd.DataFrame, progress: Callable[[int], None] | None) -> None:
    columns = _STAGED
    step = 50_000
    for start in range(0, len(frame), step):
        chunk = frame.iloc[start : start + step]
        bulk_insert(table=_STAGE, columns=[n for n, _ in columns], rows=frame_rows(chunk, columns))
        if progress is not None:
            progress(len(chunk))
