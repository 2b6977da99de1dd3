"""Serve exports of the list pages as downloads, with the list's own query string."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import BinaryIO

from django.http import FileResponse, HttpRequest

EXPORT_TYPES = {
    "csv": ("csv", "text/csv; charset=utf-8"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "vcf": ("vcard", "text/vcard; charset=utf-8"),
}
_PAGING = ("after", "before")


def export_query(request: HttpRequest) -> str:
    """Return the list's query string without its page cursor: every filter, search too."""
    params = request.GET.copy()
    for name in _PAGING:
        params.pop(name, None)
    return params.urlencode()


def export_response(write: Callable[[BinaryIO], int], *, suffix: str, name: str) -> FileResponse:
    """Return what ``write(out)`` writes as a download.

    The export goes to a temporary file first (an XLSX needs a seekable file) and is
    streamed from there; the file disappears when the response closes it.
    """
    out = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the response)
    write(out)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=f"{name}.{suffix}", content_type=EXPORT_TYPES[suffix][1]
    )
