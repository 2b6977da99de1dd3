"""Bulk writes of orders and their lines: the upsert behind order imports.

An order is identified by its number. Re-importing an order with the same header and the
same lines (as a multiset: order of lines does not matter) changes nothing; different
lines replace the order's lines as a whole, so an order is never half old, half new.
Orders and lines are staged in temporary tables and merged with set-based SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

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
from dangol.sales.choices import OrderStatus
from dangol.sales.models import Order, OrderLine

_ORDERS = "tmp_order_upsert"
_LINES = "tmp_orderline_upsert"
_CHANGED = "tmp_order_lines_changed"
# Smallest number of new orders for which PostgreSQL rebuilds indexes instead of
# maintaining them.
REBUILD_MIN_ROWS = 50_000
ORDER_COLUMNS: list[tuple[str, str]] = [
    ("seq", "int"),
    ("number", "text"),
    ("customer_id", "int"),
    ("ordered_at", "datetime"),
    ("channel", "text"),
    ("status", "text"),
]
LINE_COLUMNS: list[tuple[str, str]] = [
    ("seq", "int"),
    ("order_seq", "int"),
    ("product_id", "int"),
    ("quantity", "int"),
    ("unit_price", "decimal"),
    ("discount", "decimal"),
]
HEADER_FIELDS = ["customer_id", "ordered_at", "channel", "status"]
LINE_FIELDS = ["product_id", "quantity", "unit_price", "discount"]


def _orders_and_lines(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split order lines into one header row per order and the lines pointing at it.

    A line's ``seq`` is its position in the file (the table's index, the file line for
    imports); an order's ``seq`` is the ``seq`` of its first line in ``table``.
    """
    numbers = table["order_number"].astype(str).str.strip()
    codes, uniques = pd.factorize(numbers)  # order of first appearance
    first = ~pd.Series(codes).duplicated().to_numpy()
    line_seq = np.asarray(table.index, dtype="int64")
    if len(line_seq) and not (np.diff(line_seq) > 0).all():
        line_seq = np.arange(len(table), dtype="int64")
    order_seq = line_seq[first]
    orders = pd.DataFrame(
        {
            "seq": order_seq,
            "number": uniques,
            "customer_id": table["customer_id"].to_numpy()[first],
            "ordered_at": table["ordered_at"].iloc[np.flatnonzero(first)].reset_index(drop=True),
            "channel": table["channel"].to_numpy()[first],
            "status": (
                table["status"].to_numpy()[first]
                if "status" in table
                else OrderStatus.COMPLETED.value
            ),
        }
    )
    lines = pd.DataFrame(
        {
            "seq": line_seq,
            "order_seq": order_seq[codes],
            "product_id": table["product_id"].to_numpy(),
            "quantity": table["quantity"].to_numpy(),
            "unit_price": table["unit_price"].to_numpy(),
            "discount": table["discount"].to_numpy() if "discount" in table else "0",
        }
    )
    return orders, lines


def _stage(name: str, columns, frame: pd.DataFrame, progress) -> None:
    step = 100_000
    for start in range(0, len(frame), step):
        chunk = frame.iloc[start : start + step]
        bulk_insert(table=name, columns=[n for n, _ in columns], rows=frame_rows(chunk, columns))
        if progress is not None:
            progress(len(chunk))


_ORDER_STAGE_COLUMNS = [*ORDER_COLUMNS, ("order_id", "int"), ("is_new", "bool")]


def order_bulk_stage_begin() -> None:
    """Create the (empty) staging tables of an order upsert; call inside a transaction."""
    temp_table_create(name=_ORDERS, columns=_ORDER_STAGE_COLUMNS)
    temp_table_create(name=_LINES, columns=LINE_COLUMNS)


def order_bulk_stage(*, table: pd.DataFrame, progress: Callable[[int], None] | None = None) -> None:
    """Stage validated order lines (one slice of a file) for ``order_bulk_merge``.

    ``table`` is indexed by file line (increasing across slices). Each slice stages one
    header row per order it names, keyed by the order's first line in the slice; an order
    that spans slices is joined up by ``order_bulk_merge(first_lines=...)``.
    """
    if len(table) == 0:
        return
    orders, lines = _orders_and_lines(table)
    _stage(_ORDERS, _ORDER_STAGE_COLUMNS, orders.assign(order_id=None, is_new=False), None)
    _stage(_LINES, LINE_COLUMNS, lines, progress)


def order_bulk_stage_fix(
    *, renumber: Iterable[tuple[int, int]] = (), drop_lines: Iterable[int] = ()
) -> None:
    """Correct the staged slices before the merge.

    :param renumber: ``(first line in a slice, first line in the file)`` for orders that
        span slices: the later header rows go, their lines point at the first.
    :param drop_lines: file lines not to write (rejected in skip-bad mode; whole orders).
    """
    fixes = [(int(a), int(b)) for a, b in renumber if a != b]
    drop = [(int(line),) for line in drop_lines]
    with connection.cursor() as cursor:
        if fixes:
            temp_table_create(name="tmp_order_renumber", columns=[("old", "int"), ("new", "int")])
            bulk_insert(table="tmp_order_renumber", columns=["old", "new"], rows=fixes)
            cursor.execute("CREATE INDEX tmp_order_renumber_old ON tmp_order_renumber (old)")
            cursor.execute(
                f"DELETE FROM {_ORDERS} WHERE seq IN (SELECT old FROM tmp_order_renumber)"
            )
            cursor.execute(
                f"UPDATE {_LINES} SET order_seq = (SELECT r.new FROM tmp_order_renumber r "
                f"WHERE r.old = {_LINES}.order_seq) "
                f"WHERE order_seq IN (SELECT old FROM tmp_order_renumber)"
            )
            temp_table_drop(name="tmp_order_renumber")
        if drop:
            temp_table_create(name="tmp_order_drop", columns=[("line", "int")])
            bulk_insert(table="tmp_order_drop", columns=["line"], rows=drop)
            cursor.execute("CREATE INDEX tmp_order_drop_line ON tmp_order_drop (line)")
            # Every line of a dropped order is dropped, so its header row (keyed by one of
            # those lines) goes too.
            cursor.execute(f"DELETE FROM {_LINES} WHERE seq IN (SELECT line FROM tmp_order_drop)")
            cursor.execute(f"DELETE FROM {_ORDERS} WHERE seq IN (SELECT line FROM tmp_order_drop)")
            temp_table_drop(name="tmp_order_drop")


@transaction.atomic
def order_bulk_upsert(
    *, table: pd.DataFrame, progress: Callable[[int], None] | None = None
) -> UpsertResult:
    """Insert or update orders (by number) and their lines from validated order lines.

    :param table: one row per order line: ``order_number``, ``customer_id``,
        ``ordered_at`` (aware), ``channel``, optional ``status`` (default completed),
        ``product_id``, ``quantity``, ``unit_price`` and ``discount`` (decimal strings).
        The header fields must agree across the lines of one order.
    :param progress: called with the number of lines staged, then twice as the merge
        advances (twice the line count in all).
    :returns: orders inserted, updated (header or lines differ) and unchanged;
        ``extra["lines_written"]`` the lines inserted.
    """
    if len(table) == 0:
        return UpsertResult()
    order_bulk_stage_begin()
    order_bulk_stage(table=table, progress=progress)
    return order_bulk_merge(progress=progress)


@transaction.atomic
def order_bulk_merge(*, progress: Callable[[int], None] | None = None) -> UpsertResult:
    """Merge the staged orders and lines into the tables (see ``order_bulk_upsert``)."""
    qn = connection.ops.quote_name
    now = sql_datetime(timezone.now())
    order_table = Order._meta.db_table
    line_table = OrderLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {_ORDERS}")
        order_count = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {_LINES}")
        line_count = cursor.fetchone()[0]
        if not order_count:
            for name in (_LINES, _ORDERS):
                temp_table_drop(name=name)
            return UpsertResult()
        cursor.execute(
            f"UPDATE {_ORDERS} SET order_id = o.id FROM {order_table} o "
            f"WHERE o.number = {_ORDERS}.number"
        )
        cursor.execute(f"UPDATE {_ORDERS} SET is_new = TRUE WHERE order_id IS NULL")
        cursor.execute(f"SELECT COUNT(*) FROM {_ORDERS} WHERE is_new")
        inserted = cursor.fetchone()[0]
        existing = order_count - inserted
        temp_table_create(name=_CHANGED, columns=[("order_id", "int")])
        header_changed = lines_changed_only = 0
        if existing:
            differs = " OR ".join(sql_distinct(f"o.{qn(n)}", f"t.{qn(n)}") for n in HEADER_FIELDS)
            cursor.execute(
                f"SELECT COUNT(*) FROM {_ORDERS} t JOIN {order_table} o ON o.id = t.order_id "
                f"WHERE {differs}"
            )
            header_changed = cursor.fetchone()[0]
            _find_changed_lines(cursor, order_table, line_table)
            cursor.execute(
                f"SELECT COUNT(*) FROM {_CHANGED} c JOIN {_ORDERS} t ON t.order_id = c.order_id "
                f"JOIN {order_table} o ON o.id = c.order_id WHERE NOT ({differs})"
            )
            lines_changed_only = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {order_table}")
        before = cursor.fetchone()[0]
        # A load that at least doubles the orders builds the indexes and foreign keys of
        # both tables afresh (PostgreSQL): cheaper than maintaining and checking them
        # line by line.
        rebuild = inserted >= max(before, REBUILD_MIN_ROWS)
        with (
            indexes_rebuilt_after(table=order_table, enabled=rebuild),
            indexes_rebuilt_after(table=line_table, enabled=rebuild),
        ):
            sets = ", ".join(f"{qn(n)} = excluded.{qn(n)}" for n in HEADER_FIELDS)
            changed = " OR ".join(
                sql_distinct(f"{order_table}.{qn(n)}", f"excluded.{qn(n)}") for n in HEADER_FIELDS
            )
            cols = ["number", *HEADER_FIELDS]
            cursor.execute(
                f"INSERT INTO {order_table} ({', '.join(qn(c) for c in cols)}, created_at, "
                f"updated_at) SELECT {', '.join(f't.{qn(c)}' for c in cols)}, %s, %s "
                f"FROM {_ORDERS} t WHERE TRUE ORDER BY t.seq ON CONFLICT (number) DO UPDATE "
                f"SET {sets}, updated_at = excluded.updated_at WHERE {changed}",
                [now, now],
            )
            if progress is not None:
                progress(line_count // 2)  # the merge: headers written
            if existing:
                cursor.execute(
                    f"UPDATE {order_table} SET updated_at = %s "
                    f"WHERE id IN (SELECT order_id FROM {_CHANGED})",
                    [now],
                )
                cursor.execute(
                    f"DELETE FROM {line_table} WHERE order_id IN (SELECT order_id FROM {_CHANGED})"
                )
            cursor.execute(
                f"UPDATE {_ORDERS} SET order_id = o.id FROM {order_table} o "
                f"WHERE o.number = {_ORDERS}.number AND {_ORDERS}.order_id IS NULL"
            )
            # New orders and orders whose lines changed get the file's lines.
            cursor.execute(
                f"INSERT INTO {line_table} (order_id, {', '.join(LINE_FIELDS)}) "
                f"SELECT t.order_id, {', '.join(f'l.{n}' for n in LINE_FIELDS)} "
                f"FROM {_LINES} l JOIN {_ORDERS} t ON t.seq = l.order_seq "
                f"WHERE t.is_new OR t.order_id IN (SELECT order_id FROM {_CHANGED}) "
                f"ORDER BY l.seq"
            )
            lines_written = cursor.rowcount
        if progress is not None:
            progress(line_count - line_count // 2)  # the merge: lines written
    for name in (_LINES, _ORDERS, _CHANGED):
        temp_table_drop(name=name)
    updated = header_changed + lines_changed_only
    return UpsertResult(
        inserted=inserted,
        updated=updated,
        unchanged=existing - updated,
        extra={"lines_written": lines_written},
    )


def _find_changed_lines(cursor, order_table: str, line_table: str) -> None:
    """Fill the changed-orders table with existing orders whose set of lines differs.

    Both sides number their lines within an order after sorting by every field, so two
    multisets of lines are equal exactly when every numbered line has its twin.
    """
    fields = ", ".join(LINE_FIELDS)
    ordering = ", ".join(LINE_FIELDS)
    new_lines = "tmp_order_new_lines"
    old_lines = "tmp_order_old_lines"
    spec = [("order_id", "int"), *((n, k) for n, k in LINE_COLUMNS[2:]), ("rn", "int")]
    temp_table_create(name=new_lines, columns=spec)
    temp_table_create(name=old_lines, columns=spec)
    cursor.execute(
        f"INSERT INTO {new_lines} (order_id, {fields}, rn) "
        f"SELECT t.order_id, {', '.join(f'l.{n}' for n in LINE_FIELDS)}, ROW_NUMBER() OVER "
        f"(PARTITION BY t.order_id ORDER BY {', '.join(f'l.{n}' for n in LINE_FIELDS)}) "
        f"FROM {_LINES} l JOIN {_ORDERS} t ON t.seq = l.order_seq WHERE t.order_id IS NOT NULL"
    )
    cursor.execute(
        f"INSERT INTO {old_lines} (order_id, {fields}, rn) "
        f"SELECT e.order_id, {', '.join(f'e.{n}' for n in LINE_FIELDS)}, ROW_NUMBER() OVER "
        f"(PARTITION BY e.order_id ORDER BY {ordering}) "
        f"FROM {line_table} e WHERE e.order_id IN "
        f"(SELECT order_id FROM {_ORDERS} WHERE order_id IS NOT NULL)"
    )
    match = " AND ".join(f"b.{n} = a.{n}" for n in ("order_id", "rn", *LINE_FIELDS))
    cursor.execute(
        f"INSERT INTO {_CHANGED} (order_id) "
        f"SELECT a.order_id FROM {new_lines} a WHERE NOT EXISTS "
        f"(SELECT 1 FROM {old_lines} b WHERE {match}) "
        f"UNION SELECT a.order_id FROM {old_lines} a WHERE NOT EXISTS "
        f"(SELECT 1 FROM {new_lines} b WHERE {match})"
    )
    temp_table_drop(name=new_lines)
    temp_table_drop(name=old_lines)


def order_numbers_existing(*, numbers: Iterable[str]) -> set[str]:
    """Return which of ``numbers`` are already recorded orders."""
    numbers = list(numbers)
    found: set[str] = set()
    for start in range(0, len(numbers), 5_000):
        found.update(
            Order.objects.filter(number__in=numbers[start : start + 5_000]).values_list(
                "number", flat=True
            )
        )
    return found
