"""Bulk writes of products: the upsert behind product imports.

Rows are staged in a temporary table and merged by SKU with ``INSERT ... ON CONFLICT DO
UPDATE ... WHERE`` (only rows that differ change); category paths ("Dairy > Milk") are
created through the tree first, each level once.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from dangol.catalog.models import CATEGORY_PATH_SEPARATOR, Category, Product
from dangol.core.bulk import (
    UpsertResult,
    bulk_insert,
    frame_rows,
    sql_datetime,
    sql_distinct,
    temp_table_create,
    temp_table_drop,
)
from dangol.core.customfields.sql import custom_differs_sql, custom_json_sql, custom_merge_sql

_STAGE = "tmp_product_upsert"
COLUMNS: list[tuple[str, str]] = [
    ("sku", "text"),
    ("name", "text"),
    ("category_id", "int"),
    ("unit_price", "decimal"),
    ("unit_cost", "decimal"),
    ("active", "bool"),
]
DEFAULTS = {"category_id": None, "unit_cost": "0", "active": True}


def normalize_category_path(path: str) -> str:
    """Return ``path`` with each level stripped and joined by " > " ("" for none)."""
    parts = [p.strip() for p in (path or "").split(">")]
    return CATEGORY_PATH_SEPARATOR.join(p for p in parts if p)


def category_ids_by_path(*, paths: Iterable[str]) -> dict[str, int]:
    """Return ``{path: id}`` for ``paths``, creating every missing level of the tree."""
    wanted = {normalize_category_path(p) for p in paths} - {""}
    prefixes: set[str] = set()
    for path in wanted:
        parts = path.split(CATEGORY_PATH_SEPARATOR)
        for depth in range(1, len(parts) + 1):
            prefixes.add(CATEGORY_PATH_SEPARATOR.join(parts[:depth]))
    known = dict(Category.objects.filter(path__in=prefixes).values_list("path", "id"))
    for prefix in sorted(prefixes - set(known), key=lambda p: p.count(CATEGORY_PATH_SEPARATOR)):
        parts = prefix.split(CATEGORY_PATH_SEPARATOR)
        parent = CATEGORY_PATH_SEPARATOR.join(parts[:-1])
        category = Category.objects.create(
            parent_id=known.get(parent) if parent else None,
            name=parts[-1],
            path=prefix,
            depth=len(parts) - 1,
        )
        known[prefix] = category.pk
    return {path: known[path] for path in wanted}


def category_ids_existing(*, paths: Iterable[str]) -> dict[str, int]:
    """Return ``{path as given: id}`` for the paths that name an existing category.

    Levels are compared stripped ("Dairy>Milk" names "Dairy > Milk"); nothing is created.
    """
    wanted = {p: normalize_category_path(p) for p in paths}
    known = dict(
        Category.objects.filter(path__in=set(wanted.values()) - {""}).values_list("path", "id")
    )
    return {given: known[path] for given, path in wanted.items() if path in known}


def product_ids_by_sku(*, skus: list[str]) -> dict[str, int]:
    """Return ``{sku: id}`` for the given SKUs that exist."""
    found: dict[str, int] = {}
    for start in range(0, len(skus), 5_000):
        found.update(
            Product.objects.filter(sku__in=skus[start : start + 5_000]).values_list("sku", "id")
        )
    return found


@transaction.atomic
def product_bulk_upsert(
    *, table: pd.DataFrame, present: Iterable[str] | None = None
) -> UpsertResult:
    """Insert or update products by ``sku`` from a validated table.

    :param table: one row per product: ``sku``, ``name``, ``unit_price`` and optionally
        ``category_path`` (created when missing), ``unit_cost``, ``active``; amounts as
        decimal strings ("1200.00"), SKUs unique.
    :param present: the columns the source had; only these change on an existing product.
    :returns: rows inserted, updated and unchanged; ``extra["categories"]`` the number
        of categories the file names.
    """
    present = set(table.columns if present is None else present)
    total = len(table)
    if total == 0:
        return UpsertResult()
    frame = pd.DataFrame(index=table.index)
    frame["sku"] = table["sku"].astype(str).str.strip()
    frame["name"] = table["name"].astype(str).str.strip()
    categories: dict[str, int] = {}
    if "category_path" in present:
        paths = table["category_path"].fillna("").map(normalize_category_path)
        categories = category_ids_by_path(paths=paths.unique().tolist())
        frame["category_id"] = paths.map(categories).astype("Int64")
        present.add("category_id")
    for name, _kind in COLUMNS[3:]:
        frame[name] = table[name] if name in present and name in table else DEFAULTS[name]
    if "category_id" not in frame:
        frame["category_id"] = None
    frame = frame[[n for n, _ in COLUMNS]]
    updatable = [n for n, _ in COLUMNS if n in present and n != "sku"]
    # Custom fields (cf_<key> columns): one JSON object per row, merged key by key.
    custom = "custom_fields" in present and "custom_fields" in table
    frame["custom_fields"] = table["custom_fields"] if custom else None

    qn = connection.ops.quote_name
    now = sql_datetime(timezone.now())
    target = Product._meta.db_table
    columns = [*COLUMNS, ("custom_fields", "text"), ("seq", "int")]
    temp_table_create(name=_STAGE, columns=columns)
    frame["seq"] = np.arange(total)
    bulk_insert(table=_STAGE, columns=[n for n, _ in columns], rows=frame_rows(frame, columns))
    differs_parts = [sql_distinct(f"c.{qn(n)}", f"t.{qn(n)}") for n in updatable]
    if custom:
        differs_parts.append(custom_differs_sql("c.custom_fields", "t.custom_fields"))
    differs = " OR ".join(differs_parts) or "FALSE"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), COUNT(c.id), SUM(CASE WHEN c.id IS NOT NULL AND ({differs}) "
            f"THEN 1 ELSE 0 END) FROM {_STAGE} t LEFT JOIN {target} c ON c.sku = t.sku"
        )
        count, existing, updated = cursor.fetchone()
        names = [n for n, _ in COLUMNS]
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
        new_custom = custom_json_sql("t.custom_fields") if custom else "%s"
        cursor.execute(
            f"INSERT INTO {target} ({', '.join(qn(n) for n in names)}, custom_fields, "
            f"created_at, updated_at) SELECT {', '.join(f't.{qn(n)}' for n in names)}, "
            f"{new_custom}, %s, %s "
            f"FROM {_STAGE} t WHERE TRUE ORDER BY t.seq ON CONFLICT (sku) DO UPDATE SET {sets}, "
            f"updated_at = excluded.updated_at WHERE {changed}",
            [*([] if custom else ["{}"]), now, now],
        )
    temp_table_drop(name=_STAGE)
    updated = int(updated or 0)
    return UpsertResult(
        inserted=count - existing,
        updated=updated,
        unchanged=existing - updated,
        extra={"categories": len(categories)},
    )
