"""Import leads from a CSV or Excel file (a trade-show list, a purchased list, a partner's
sheet) through the same capture service as the web form: duplicate check, assignment.

Columns: ``name`` (required), ``email`` and/or ``phone`` (one required), ``company_name``,
``region``, ``source`` (default ``import``), ``note``. A row whose email or phone is
already a lead is left alone, so importing the same file twice changes nothing. Every bad
row is reported with its file line, column and reason, and written to a reject file
beside the input; by default one bad row rolls the whole import back (``skip_bad`` keeps
the good rows).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from dangol.core.errors import ValidationError
from dangol.customers.normalize import normalize_email, normalize_phone
from dangol.integration.readers import Reject, read_file
from dangol.sales.choices import LeadSource
from dangol.sales.models import Lead
from dangol.sales.pipeline_services import lead_capture

COLUMNS = ("name", "company_name", "email", "phone", "region", "source", "note")
REQUIRED = ("name",)


@dataclass
class LeadImportResult:
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)
    reject_file: Path | None = None
    committed: bool = False


class _RollBack(Exception):
    pass


def _reject_file(path: Path, rejects: list[Reject]) -> Path | None:
    target = path.with_name(path.name + ".rejects.csv")
    if not rejects:
        target.unlink(missing_ok=True)
        return None
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "column", "value", "reason"])
        for r in rejects:
            writer.writerow([r.line, r.column, r.value, r.reason])
    return target


def leads_import(
    *, path: Path, encoding: str | None = None, skip_bad: bool = False
) -> LeadImportResult:
    """Import the leads in ``path``; return what happened (nothing written on refusal)."""
    path = Path(path)
    table = read_file(path, encoding=encoding)
    frame = table.frame
    result = LeadImportResult(rejects=list(table.rejects))
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing or not ({"email", "phone"} & set(frame.columns)):
        raise ValidationError(
            "The file needs the columns name and email or phone "
            f"(found: {', '.join(frame.columns) or 'none'})",
            field="columns",
        )
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    result.rows = len(frame)
    try:
        with transaction.atomic():
            for line, row in frame.iterrows():
                values = {c: str(row[c] or "").strip() for c in COLUMNS}
                email, digits = normalize_email(values["email"]), normalize_phone(values["phone"])
                known = Lead.objects.filter(email=email).exists() if email else False
                if not known and len(digits) >= 8:
                    known = Lead.objects.filter(phone_digits=digits).exists()
                if known:
                    result.unchanged += 1
                    continue
                source = values.pop("source") or LeadSource.IMPORT
                try:
                    with transaction.atomic():
                        lead_capture(actor=None, source=source, **values)
                except ValidationError as exc:
                    column = exc.field or "row"
                    value = values.get(column, source if column == "source" else "")
                    result.rejects.append(Reject(int(line), column, value, exc.message))
                    continue
                result.created += 1
            if result.rejects and not skip_bad:
                raise _RollBack
    except _RollBack:
        result.created = 0
    else:
        result.committed = True
    result.rejects.sort(key=lambda r: r.line)
    result.reject_file = _reject_file(path, result.rejects)
    return result
