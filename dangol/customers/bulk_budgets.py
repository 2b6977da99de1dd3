"""Bulk writes of category budgets (share of wallet): the upsert behind budget imports.

A budget is keyed by (customer, category). Rows are staged in a temporary table and
merged with ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` so that only budgets that
differ change: importing the same file twice changes nothing, not even ``updated_at``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from dangol.core.bulk import (
    UpsertResult,
    bulk_insert,
    frame_rows,
    sql_datetime,
    sql_distinct,
    temp_table_create,
    temp_table_drop,
)
from dangol.customers.models import CategoryBudget

_STAGE = "tmp_category_budget_upsert"
COLUMNS: list[tuple[str, str]] = [
    ("customer_id", "int"),
    ("category_id", "int"),
    ("annual_budget", "decimal"),
    ("seq", "int"),
]


@transaction.atomic
def category_budget_bulk_upsert(*, table: pd.DataFrame) -> UpsertResult:
    """Insert or update category budgets from a validated table.

    :param table: one row per budget: ``customer_id``, ``category_id`` (resolved, the
        pair unique in the table) and ``annual_budget`` (a decimal string, not negative).
    :returns: budgets inserted, updated (the amount differed) and unchanged.
    """
    total = len(table)
    if total == 0:
        return UpsertResult()
    frame = pd.DataFrame(
        {
            "customer_id": table["customer_id"].to_numpy(),
            "category_id": table["category_id"].to_numpy(),
            "annual_budget": table["annual_budget"].to_numpy(),
            "seq": np.arange(total),
        }
    )
    target = CategoryBudget._meta.db_table
    now = sql_datetime(timezone.now())
    temp_table_create(name=_STAGE, columns=COLUMNS)
    bulk_insert(table=_STAGE, columns=[n for n, _ in COLUMNS], rows=frame_rows(frame, COLUMNS))
    differs = sql_distinct("b.annual_budget", "t.annual_budget")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(b.id), SUM(CASE WHEN b.id IS NOT NULL AND {differs} THEN 1 ELSE 0 "
            f"END) FROM {_STAGE} t LEFT JOIN {target} b "
            f"ON b.customer_id = t.customer_id AND b.category_id = t.category_id"
        )
        existing, updated = cursor.fetchone()
        changed = sql_distinct(f"{target}.annual_budget", "excluded.annual_budget")
        cursor.execute(
            f"INSERT INTO {target} (customer_id, category_id, annual_budget, created_at, "
            f"updated_at) SELECT t.customer_id, t.category_id, t.annual_budget, %s, %s "
            f"FROM {_STAGE} t WHERE TRUE ORDER BY t.seq "
            f"ON CONFLICT (customer_id, category_id) DO UPDATE SET "
            f"annual_budget = excluded.annual_budget, updated_at = excluded.updated_at "
            f"WHERE {changed}",
            [now, now],
        )
    temp_table_drop(name=_STAGE)
    updated = int(updated or 0)
    return UpsertResult(inserted=total - existing, updated=updated, unchanged=existing - updated)
