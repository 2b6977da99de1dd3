"""The erasure log: ids of erased customers, kept so a restore can erase them again.

A backup taken before an erasure still holds the person's data, and restoring it
would bring them back. Each erasure appends ``{"customer_id": ..., "erased_at": ...}``
to ``DANGOL_DATA_DIR/privacy/erasures.jsonl`` (ids and times only: no personal data).
``dangol restore`` keeps the lines of the installation's log and of the backup's
(``core/backup.py`` merges the file instead of overwriting it) and then re-applies every
logged erasure the restored database does not show (``erasures_reapply``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from django.conf import settings

LOG_NAME = "privacy/erasures.jsonl"


def erasure_log_path() -> Path:
    return Path(settings.DATA_DIR) / LOG_NAME


def erasure_log_record(*, customer_id: int, at: dt.datetime) -> None:
    """Append one erasure to the log, on disk before the erasure commits.

    Written inside the erasure's transaction on purpose: a line for an erasure that then
    rolled back is harmless (re-applying needs the request anyway: it is only done for
    ids that were asked to be erased), a missing line would bring a person back.
    """
    path = erasure_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"customer_id": customer_id, "erased_at": at.isoformat()})
    with path.open("a", encoding="utf-8") as log:
        log.write(line + "\n")
        log.flush()
        os.fsync(log.fileno())


def erasure_log_read(text: str | None = None) -> dict[int, str]:
    """Return ``{customer id: first erasure time}`` from the log (or from ``text``)."""
    if text is None:
        path = erasure_log_path()
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
    erased: dict[int, str] = {}
    for line in text.splitlines():
        try:
            row = json.loads(line)
            erased.setdefault(int(row["customer_id"]), str(row.get("erased_at", "")))
        except (ValueError, KeyError, TypeError):
            continue  # a torn last line of a crash; the others still count
    return erased


def erasures_reapply() -> list[int]:
    """Erase again every logged customer the database holds unerased; return their ids."""
    from django.contrib.contenttypes.models import ContentType

    from dangol.core.audit.models import AuditAction, AuditEntry
    from dangol.customers.models import Customer
    from dangol.customers.privacy import customer_erase, erasure_derived_stores_schedule

    logged = erasure_log_read()
    if not logged:
        return []
    # The restored warehouse and web-analytics files may predate erasures the restored
    # database already shows: blank everyone logged there too (idempotent).
    erasure_derived_stores_schedule()
    content_type = ContentType.objects.get_for_model(Customer)
    done = set(
        AuditEntry.objects.filter(
            content_type=content_type, action=AuditAction.ERASE, object_id__in=list(logged)
        ).values_list("object_id", flat=True)
    )
    again = []
    for customer in Customer.objects.filter(pk__in=sorted(set(logged) - done)).order_by("pk"):
        customer_erase(
            customer=customer,
            actor=None,
            reason=f"Re-applied after a restore (first erased {logged[customer.pk]})",
        )
        again.append(customer.pk)
    return again
