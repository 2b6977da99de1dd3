"""Pages of the shared machinery: the live progress of a background job."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dangol.core.errors import NotFoundError
from dangol.core.jobs import job_get


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Render a job's progress; htmx polls the fragment until the job has finished."""
    try:
        job = job_get(job_id=pk, user=request.user)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    if request.headers.get("HX-Request"):
        return render(request, "core/_job_progress.html", {"job": job})
    return render(request, "core/job_detail.html", {"job": job})
