"""Pages of imports from the UI: upload, watch the job, download the rejected rows."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from dangol.accounts.roles import user_role
from dangol.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from dangol.core.jobs import job_get
from dangol.integration.forms import ImportForm
from dangol.integration.permissions import IMPORT_ROLES, UI_KINDS
from dangol.integration.selectors import import_job_get, import_jobs_recent, import_rejects_path
from dangol.integration.services import import_job_start, parse_mapping_lines


def _require_importer(request: HttpRequest) -> None:
    if user_role(request.user) not in IMPORT_ROLES:
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """Show the import form and recent imports; start an import on POST."""
    _require_importer(request)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        if request.POST.get("kind") in UI_KINDS and request.POST["kind"] not in dict(
            form.fields["kind"].choices
        ):
            raise PermissionDenied  # a kind this role may not import
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = import_job_start(
                    actor=request.user,
                    kind=data["kind"],
                    upload=data["file"],
                    encoding=data["encoding"],
                    mapping=parse_mapping_lines(data["mapping"]),
                    skip_bad=data["mode"] == "skip",
                )
            except PermissionDeniedError as exc:
                raise PermissionDenied(exc.message) from exc
            except ValidationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect("integration:import_detail", pk=job.pk)
    context = {"form": form, "jobs": import_jobs_recent(user=request.user)}
    return render(request, "integration/imports.html", context, status=400 if form.errors else 200)


def _context(request: HttpRequest, pk: int) -> dict:
    try:
        record = import_job_get(job_id=pk, user=request.user)
        job = job_get(job_id=pk, user=request.user)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    try:
        import_rejects_path(job_id=pk, user=request.user)
        has_rejects = job.finished
    except NotFoundError:
        has_rejects = False
    label = UI_KINDS.get(record.params.get("kind"), ("",))[0]
    return {"job": job, "record": record, "kind_label": label, "has_rejects": has_rejects}


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one import: live progress, then its summary and the rejected rows."""
    return render(request, "integration/import_detail.html", _context(request, pk))


@login_required
@require_GET
def import_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the summary fragment; htmx polls it until the import has finished."""
    return render(request, "integration/_import_summary.html", _context(request, pk))


@login_required
@require_GET
def import_rejects(request: HttpRequest, pk: int) -> FileResponse:
    """Download the rejected rows of one's own import (CSV, UTF-8 with BOM)."""
    try:
        path = import_rejects_path(job_id=pk, user=request.user)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"import-{pk}-rejects.csv",
        content_type="text/csv; charset=utf-8",
    )
