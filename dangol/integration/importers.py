"""Import customers, products and orders from files: read, map, validate, write.

Writes go through the owning apps' bulk services (``customers.bulk``, ``catalog.bulk``,
``sales.bulk``) inside one transaction, so an import interrupted anywhere leaves nothing
behind. All-or-nothing (the default) writes nothing at all when any row is bad; skip-bad
writes the good rows only. Either way every bad row is in the reject file beside the
input, with its line, column, value and reason.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from django.db import transaction

from dangol.catalog.bulk import product_bulk_upsert, product_ids_by_sku
from dangol.customers.bulk import (
    customer_bulk_upsert,
    customer_group_ids,
    customer_ids_by_external_id,
)
from dangol.integration.errors import ImportFileError, IntegrationErrorCode, RejectedRowsError
from dangol.integration.readers import read_file
from dangol.integration.validate import REJECT_COLUMNS, apply_mapping, validate
from dangol.sales.bulk import order_bulk_upsert

KINDS = ("customers", "products", "orders")
PROGRESS_THRESHOLD = 10_000


@dataclass
class ImportResult:
    """The outcome of one import, for the console summary and the UI."""

    kind: str
    path: Path
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    rejects_path: Path | None = None
    encoding: str = ""
    written: bool = False
    extra: dict[str, int] = field(default_factory=dict)


def rejects_path_for(path: Path) -> Path:
    """Return where the rejects of ``path`` are written: ``<input>.rejects.csv``."""
    return path.with_name(path.name + ".rejects.csv")


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """Turn ``["source=target", ...]`` into a dict, refusing malformed pairs."""
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        source, eq, target = pair.partition("=")
        if not eq or not source.strip() or not target.strip():
            raise ImportFileError(
                f"--map expects source=target, got {pair!r}",
                code=IntegrationErrorCode.BAD_MAPPING,
            )
        mapping[source.strip()] = target.strip()
    return mapping


def _lookups(kind: str) -> dict[str, Callable]:
    if kind == "customers":
        return {"customer_group": lambda keys: customer_group_ids(keys=keys)}
    if kind == "orders":
        return {
            "sku": lambda keys: product_ids_by_sku(skus=keys),
            "customer_external_id": lambda keys: customer_ids_by_external_id(external_ids=keys),
        }
    return {}


def _write_rejects(path: Path, rejects: pd.DataFrame) -> Path | None:
    target = rejects_path_for(path)
    if rejects.empty:
        target.unlink(missing_ok=True)  # a stale reject file would mislead
        return None
    rejects.to_csv(target, index=False, encoding="utf-8-sig", columns=REJECT_COLUMNS)
    return target


def _progress_bar(total: int, enabled: bool):
    if not enabled or total <= 2 * PROGRESS_THRESHOLD:
        return None
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="rows",
        unit_scale=0.5,  # every row advances twice: staged, then merged
        desc="Staging, then merging",
        file=sys.stderr,
        leave=False,
    )


def import_file(
    *,
    kind: str,
    path: Path | str,
    fmt: str | None = None,
    encoding: str | None = None,
    mapping: dict[str, str] | None = None,
    skip_bad: bool = False,
    show_progress: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import the ``kind`` rows of the file at ``path`` and return what happened.

    :param fmt: csv, xlsx, vcard, google or outlook (default: from the extension).
    :param encoding: the text encoding (default: BOM, then UTF-8, then CP949).
    :param mapping: ``{file header: canonical column}`` renames.
    :param skip_bad: write the good rows when some are bad (default: write nothing).
    :param show_progress: draw a progress bar on stderr for files over 10,000 rows.
    :param progress: called with how far the write advanced: the rows staged, then
        the rows merged, twice the good rows in all (for a UI task).
    :raises ImportFileError: the file as a whole cannot be imported (nothing written).
    :raises RejectedRowsError: all-or-nothing and some rows were bad (nothing written);
        its ``result`` has the rejects and the reject file's path.
    """
    if kind not in KINDS:
        raise ImportFileError(
            f"Unknown import kind {kind!r}; use one of {', '.join(KINDS)}",
            code=IntegrationErrorCode.UNKNOWN_KIND,
        )
    path = Path(path)
    table = read_file(path, fmt=fmt, encoding=encoding)
    frame = apply_mapping(table.frame, mapping or {})
    checked = validate(kind, frame, lookups=_lookups(kind))
    parts = [checked.rejects]
    if table.rejects:
        parts.insert(0, pd.DataFrame([vars(r) for r in table.rejects], columns=REJECT_COLUMNS))
    rejects = pd.concat(parts, ignore_index=True) if len(parts) > 1 else checked.rejects
    rejects = rejects.sort_values(["line", "column"], kind="stable").reset_index(drop=True)
    result = ImportResult(
        kind=kind,
        path=path,
        rows_read=checked.rows_read + len(table.rejects),
        rejected=rejects["line"].nunique(),
        rejects=rejects,
        encoding=table.encoding,
    )
    del table, frame  # the raw strings: the write needs only the typed rows (peak memory)
    result.rejects_path = _write_rejects(path, rejects)
    if result.rejected and not skip_bad:
        raise RejectedRowsError(
            f"{result.rejected} of {result.rows_read} rows are bad; nothing was imported "
            f"(see {result.rejects_path}; --skip-bad imports the good rows)",
            result=result,
        )
    good = checked.frame
    # Staging and merging each advance by the row count, so the bar covers the merge.
    bar = _progress_bar(2 * len(good), show_progress)

    def advance(count: int) -> None:
        if bar is not None:
            bar.update(count)
        if progress is not None:
            progress(count)

    try:
        with transaction.atomic(durable=True):
            written = _write(kind, good, checked.present, path, advance)
    finally:
        if bar is not None:
            bar.close()
    result.inserted, result.updated, result.unchanged = (
        written.inserted,
        written.updated,
        written.unchanged,
    )
    result.extra = dict(written.extra)
    result.written = True
    return result


def _write(kind: str, good: pd.DataFrame, present, path: Path, advance):
    if kind == "customers":
        return customer_bulk_upsert(
            table=good,
            present={*present, "customer_group_id"} if "customer_group" in present else present,
            source=f"import {path.name}",
            progress=advance,
        )
    if kind == "products":
        return product_bulk_upsert(table=good, present=present)
    return order_bulk_upsert(table=good, progress=advance)
