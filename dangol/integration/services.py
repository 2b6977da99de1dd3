"""Imports started from the UI: save the upload, record a job, run it in the background.

The task runs the very importer the command line runs (``importers.import_file``), inside
``core.jobs.job_running`` so the page shows its progress.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from dangol.core.errors import DangolError, PermissionDeniedError, ValidationError
from dangol.core.jobs import job_create, job_running
from dangol.core.models import Job
from dangol.core.tasks import task_enqueue_on_commit
from dangol.integration.errors import RejectedRowsError
from dangol.integration.importers import ImportResult, import_file
from dangol.integration.permissions import UI_KINDS, can_import

UPLOAD_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".vcf")
ENCODINGS = ("auto", "utf-8", "cp949")
JOB_PREFIX = "import."


def upload_dir() -> Path:
    """Return ``DANGOL_DATA_DIR/uploads``, created if missing."""
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _upload_save(upload: UploadedFile) -> Path:
    """Save ``upload`` under a generated name; only its extension comes from the client.

    The client's file name is never part of the path, so no name (``../../x``, an
    absolute path, a NUL) can place the file anywhere else.
    """
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ValidationError(
            _("Upload a .csv, .txt, .tsv, .xlsx or .vcf file."), code="bad_file", field="file"
        )
    target = upload_dir() / f"{uuid.uuid4().hex}{suffix}"
    with target.open("xb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target


def parse_mapping_lines(text: str) -> dict[str, str]:
    """Return ``{source: target}`` from lines of ``source=target`` (blank lines ignored)."""
    mapping: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        source, eq, target = line.partition("=")
        if not eq or not source.strip() or not target.strip():
            raise ValidationError(
                _("Line %(number)s of the mapping is not source=target.") % {"number": number},
                code="bad_mapping",
                field="mapping",
            )
        mapping[source.strip()] = target.strip()
    return mapping


@transaction.atomic
def import_job_start(
    *,
    actor: Any,
    kind: str,
    upload: UploadedFile,
    encoding: str = "auto",
    mapping: dict[str, str] | None = None,
    skip_bad: bool = False,
) -> Job:
    """Save ``upload``, record an import job of ``kind`` and enqueue it after commit.

    :param kind: a UI kind (``permissions.UI_KINDS``).
    :raises PermissionDeniedError: ``actor``'s role may not import this kind.
    :raises ValidationError: unknown kind or encoding, a file type that is not imported.
    """
    if kind not in UI_KINDS:
        raise ValidationError(_("Unknown import kind."), code="unknown_kind", field="kind")
    if not can_import(actor, kind):
        raise PermissionDeniedError(_("You may not import this kind of data."))
    if encoding not in ENCODINGS:
        raise ValidationError(_("Unknown encoding."), code="bad_encoding", field="encoding")
    path = _upload_save(upload)
    job = job_create(
        kind=f"{JOB_PREFIX}{kind}",
        created_by=actor,
        params={
            "file": path.name,
            "name": Path(upload.name or "").name[:200],
            "kind": kind,
            "encoding": encoding,
            "mapping": mapping or {},
            "skip_bad": skip_bad,
        },
    )
    from dangol.integration.tasks import import_run  # the task module imports this one

    task_enqueue_on_commit(import_run, job_id=job.pk)
    return job


def _summary(result: ImportResult) -> dict[str, int]:
    return {
        "rows": result.rows_read,
        "created": result.inserted if result.written else 0,
        "updated": result.updated if result.written else 0,
        "unchanged": result.unchanged if result.written else 0,
        "rejected": result.rejected,
    }


def import_job_run(*, job_id: int) -> dict[str, int]:
    """Run the import job ``job_id`` (the task's body) and return its summary.

    Bad rows in all-or-nothing mode fail the job with the summary kept, so the page can
    still offer the reject file.
    """
    job = Job.objects.get(pk=job_id)
    params = job.params
    path = upload_dir() / Path(params["file"]).name
    kept: dict[str, int] = {}
    try:
        with job_running(job_id=job_id) as progress:
            progress(message=_("Reading and checking the file"), force=True)

            def advance(count: int) -> None:
                progress(advance=count, message=_("Writing"))

            try:
                result = import_file(
                    kind=UI_KINDS[params["kind"]][1],
                    path=path,
                    encoding=None if params["encoding"] == "auto" else params["encoding"],
                    mapping=params["mapping"],
                    skip_bad=params["skip_bad"],
                    progress=advance,
                    progress_total=lambda total: progress(total=total),
                    actor=job.created_by,
                )
            except RejectedRowsError as exc:
                kept = _summary(exc.result)
                raise ValidationError(
                    _(
                        "%(bad)s of %(rows)s rows are bad; nothing was imported. "
                        "Download the rejected rows, correct them and import again, "
                        "or import with “skip bad rows”."
                    )
                    % {"bad": exc.result.rejected, "rows": exc.result.rows_read},
                    code="rejected_rows",
                ) from exc
            progress.result = kept = _summary(result)
    except DangolError:
        if kept:
            Job.objects.filter(pk=job_id).update(result=kept)
        return kept
    return kept
