"""Import customers, products, orders, budgets, tickets and opportunities from files.

Writes go through the owning apps' bulk services (``customers.bulk``, ``catalog.bulk``,
``sales.bulk``, ``service.imports``, ``sales.pipeline_imports``) inside one transaction,
so an import interrupted anywhere leaves nothing behind. All-or-nothing (the default)
writes nothing at all when any row is bad; skip-bad writes the good rows only. Either
way every bad row is in the reject file beside the input, with its line, column, value
and reason.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from django.db import connection, transaction

from dangol.catalog.bulk import category_ids_existing, product_bulk_upsert, product_ids_by_sku
from dangol.customers.bulk import (
    customer_bulk_merge,
    customer_bulk_stage,
    customer_bulk_stage_begin,
    customer_bulk_stage_drop,
    customer_bulk_upsert,
    customer_external_id_index,
    customer_group_ids,
    customer_ids_by_external_id,
)
from dangol.customers.bulk_budgets import category_budget_bulk_upsert
from dangol.integration import streaming
from dangol.integration.errors import ImportFileError, IntegrationErrorCode, RejectedRowsError
from dangol.integration.readers import read_file
from dangol.integration.validate import REJECT_COLUMNS, apply_mapping, check_columns, validate
from dangol.sales.bulk import (
    order_bulk_merge,
    order_bulk_stage,
    order_bulk_stage_begin,
    order_bulk_stage_fix,
    order_bulk_upsert,
)

KINDS = ("customers", "products", "orders", "budgets", "tickets", "opportunities")
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
    if kind == "budgets":
        return {
            "customer_external_id": lambda keys: customer_ids_by_external_id(external_ids=keys),
            "category_path": lambda keys: category_ids_existing(paths=keys),
        }
    if kind == "tickets":
        from dangol.service.selectors import ticket_ids_existing, ticket_reference_ids

        return {
            "id": lambda ids: ticket_ids_existing(ids=ids),
            "customer_external_id": lambda keys: customer_ids_by_external_id(external_ids=keys),
            "category": lambda keys: ticket_reference_ids(kind="category", keys=keys),
            "queue": lambda keys: ticket_reference_ids(kind="queue", keys=keys),
            "assignee": lambda keys: ticket_reference_ids(kind="assignee", keys=keys),
            "product_sku": lambda keys: product_ids_by_sku(skus=keys),
        }
    if kind == "opportunities":
        from dangol.sales.pipeline_selectors import (
            opportunity_ids_existing,
            opportunity_reference_ids,
        )

        return {
            "id": lambda ids: opportunity_ids_existing(ids=ids),
            "customer_external_id": lambda keys: customer_ids_by_external_id(external_ids=keys),
            "stage": lambda keys: opportunity_reference_ids(kind="stage", keys=keys),
            "owner": lambda keys: opportunity_reference_ids(kind="owner", keys=keys),
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
    progress_total: Callable[[int], None] | None = None,
    actor=None,
) -> ImportResult:
    """Import the ``kind`` rows of the file at ``path`` and return what happened.

    :param fmt: csv, xlsx, vcard, google or outlook (default: from the extension).
    :param encoding: the text encoding (default: BOM, then UTF-8, then CP949).
    :param mapping: ``{file header: canonical column}`` renames.
    :param skip_bad: write the good rows when some are bad (default: write nothing).
    :param show_progress: draw a progress bar on stderr for files over 10,000 rows.
    :param progress: called with how far the write advanced: the rows staged, then
        the rows merged, twice the good rows in all (for a UI task).
    :param progress_total: called with the total ``progress`` will reach (an estimate,
        refined as it goes, when a big file is read in slices).
    :param actor: the user importing (the UI), recorded on each ticket's and
        opportunity's history entry; ``None`` (the command line) records "import".
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
    codec = streaming.stream_codec(path, kind=kind, fmt=fmt, encoding=encoding)
    if codec is not None:
        header = streaming.read_header(path, codec)
        if header is not None and streaming.check_header(kind, header[0], mapping or {}):
            return _audited(
                _import_in_slices(
                    kind=kind,
                    path=path,
                    codec=codec,
                    header=header,
                    mapping=mapping or {},
                    skip_bad=skip_bad,
                    show_progress=show_progress,
                    progress=progress,
                    progress_total=progress_total,
                )
            )
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
    if progress_total is not None:
        progress_total(2 * len(good))

    def advance(count: int) -> None:
        if bar is not None:
            bar.update(count)
        if progress is not None:
            progress(count)

    try:
        with transaction.atomic(durable=True):
            written = _write(kind, good, checked.present, path, advance, actor)
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
    return _audited(result)


# What each import kind writes, for its one summary entry in the audit log.
AUDIT_MODELS = {
    "customers": "customers.Customer",
    "products": "catalog.Product",
    "orders": "sales.Order",
    "budgets": "customers.CategoryBudget",
    "tickets": "service.Ticket",
    "opportunities": "sales.Opportunity",
}


def _audited(result: ImportResult) -> ImportResult:
    """Record one audit entry for the whole import (set-based writes: no per-row history)."""
    from django.apps import apps

    from dangol.core.audit.recording import audit_import_record

    if result.written:
        audit_import_record(
            model=apps.get_model(AUDIT_MODELS[result.kind]),
            actor="import",
            counts={
                "rows": result.rows_read,
                "created": result.inserted,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": result.rejected,
            },
            note=f"{result.kind} import: {result.path.name}",
        )
    return result


def _written_columns(present: frozenset[str]) -> frozenset[str]:
    """Return the columns a customer write changes: a group reference is its id."""
    return present | {"customer_group_id"} if "customer_group" in present else present


def _write(kind: str, good: pd.DataFrame, present, path: Path, advance, actor=None):
    if kind == "tickets":
        from dangol.service.imports import ticket_import

        written = ticket_import(
            table=good, present=present, actor=actor, source=f"import {path.name}"
        )
        advance(2 * len(good))
        return written
    if kind == "opportunities":
        from dangol.sales.pipeline_imports import opportunity_import

        written = opportunity_import(
            table=good, present=present, actor=actor, source=f"import {path.name}"
        )
        advance(2 * len(good))
        return written
    if kind == "customers":
        return customer_bulk_upsert(
            table=good,
            present=_written_columns(present),
            source=f"import {path.name}",
            progress=advance,
        )
    if kind == "products":
        return product_bulk_upsert(table=good, present=present)
    if kind == "budgets":
        return category_budget_bulk_upsert(table=good)
    return order_bulk_upsert(table=good, progress=advance)


def _import_in_slices(
    *,
    kind: str,
    path: Path,
    codec: str,
    header: tuple[str, int],
    mapping: dict[str, str],
    skip_bad: bool,
    show_progress: bool,
    progress: Callable[[int], None] | None,
    progress_total: Callable[[int], None] | None,
) -> ImportResult:
    """Import a big CSV slice by slice in one transaction (see ``streaming.py``).

    Each slice is validated and staged; the checks across the file run at the end, and
    only then is anything merged into the tables, so the modes and the reject file work
    as for a file read whole. All-or-nothing stops staging at the first bad row (nothing
    will be written) but reads on, so that the reject file lists every bad row.
    """
    size = path.stat().st_size
    keys = streaming.FileKeys(kind)
    lookups = _lookups(kind)
    if kind == "customers":
        lookups = {name: streaming.CachedLookup(fn) for name, fn in lookups.items()}
    else:
        lookups = {
            "sku": streaming.CachedLookup(lookups["sku"]),
            "customer_external_id": streaming.CachedLookup(
                lookups["customer_external_id"], fetch_all=customer_external_id_index
            ),
        }
    bar = _progress_bar(2 * PROGRESS_THRESHOLD + 1, show_progress)

    def advance(count: int) -> None:
        if bar is not None:
            bar.update(count)
        if progress is not None:
            progress(count)

    def estimate(total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.refresh()
        if progress_total is not None:
            progress_total(total)

    result = ImportResult(kind=kind, path=path, encoding=codec)
    with _temp_tables_on_disk():
        return _stream_into(
            kind=kind,
            path=path,
            header=header,
            mapping=mapping,
            skip_bad=skip_bad,
            lookups=lookups,
            keys=keys,
            result=result,
            size=size,
            bar=bar,
            advance=advance,
            estimate=estimate,
        )


@contextmanager
def _temp_tables_on_disk():
    """Keep SQLite's temporary tables in files (the OS caches them) during a big import.

    The project's connections keep temporary tables in memory (``temp_store=MEMORY``),
    which would put the staged copy of a ten-million-line file in the process's memory.
    SQLite can switch only outside a transaction; inside one (tests) nothing changes.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA temp_store")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA temp_store = FILE")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA temp_store = {int(before)}")


def _stream_into(
    *, kind, path, header, mapping, skip_bad, lookups, keys, result, size, bar, advance, estimate
) -> ImportResult:
    """Read, validate and stage the slices, check across the file, then merge."""
    header_text, header_bytes = header
    codec = result.encoding
    staged = 0
    reject_parts: list[pd.DataFrame] = []
    present: frozenset[str] = frozenset()
    has_rejects = False
    try:
        with transaction.atomic(durable=True):
            if kind == "customers":
                customer_bulk_stage_begin()
            else:
                order_bulk_stage_begin()
            for piece in streaming.iter_slices(path, codec, header_bytes, streaming.SLICE_BYTES):
                table = streaming.parse_slice(header_text, piece)
                frame = apply_mapping(table.frame, mapping)
                check_columns(kind, frame)
                if table.rejects:
                    reject_parts.append(
                        pd.DataFrame([vars(r) for r in table.rejects], columns=REJECT_COLUMNS)
                    )
                result.rows_read += len(frame) + len(table.rejects)
                if not len(frame):
                    continue
                checked = validate(kind, frame, lookups=lookups, whole_file=False)
                present = _written_columns(checked.present)
                if len(checked.rejects):
                    reject_parts.append(checked.rejects)
                keys.add(frame, checked.bad_lines)
                has_rejects = has_rejects or bool(table.rejects) or bool(checked.bad_lines)
                del table, frame
                if skip_bad or not has_rejects:
                    staged += len(checked.frame)
                    read = piece.offset + piece.size
                    estimate(2 * max(staged, int(staged * size / max(read, 1))))
                    if kind == "customers":
                        customer_bulk_stage(table=checked.frame, present=present, progress=advance)
                    else:
                        order_bulk_stage(table=checked.frame, progress=advance)
            cross = keys.check()
            del keys
            if len(cross.rejects):
                reject_parts.append(cross.rejects)
            rejects = (
                pd.concat(reject_parts, ignore_index=True)
                if reject_parts
                else pd.DataFrame(columns=REJECT_COLUMNS).astype({"line": "int64"})
            )
            rejects["line"] = rejects["line"].astype("int64")
            result.rejects = rejects.sort_values(["line", "column"], kind="stable").reset_index(
                drop=True
            )
            result.rejected = result.rejects["line"].nunique()
            result.rejects_path = _write_rejects(path, result.rejects)
            if result.rejected and not skip_bad:
                raise RejectedRowsError(
                    f"{result.rejected} of {result.rows_read} rows are bad; nothing was "
                    f"imported (see {result.rejects_path}; --skip-bad imports the good rows)",
                    result=result,
                )
            estimate(2 * staged)
            if kind == "customers":
                customer_bulk_stage_drop(lines=cross.bad_lines)
                written = customer_bulk_merge(
                    present=present,
                    source=f"import {path.name}",
                    progress=advance,
                )
            else:
                order_bulk_stage_fix(renumber=cross.renumber, drop_lines=cross.bad_lines)
                written = order_bulk_merge(progress=advance)
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
