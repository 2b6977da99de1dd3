"""The warehouse status page and the managers' refresh button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangol.analytics import reports
from dangol.analytics.pipeline import (
    JOB_KIND,
    warehouse_refresh_at,
    warehouse_refresh_may_request,
    warehouse_refresh_request,
)
from dangol.analytics.views._common import analytics_page
from dangol.core.errors import PermissionDeniedError
from dangol.core.jobs import job_get, job_list_recent


@analytics_page
def warehouse_view(request: HttpRequest) -> HttpResponse:
    """Show the last refreshes, row counts and freshness; managers get the refresh button."""
    may_refresh = warehouse_refresh_may_request(request.user)
    jobs = job_list_recent(user=request.user, kind_prefix=JOB_KIND, limit=5) if may_refresh else []
    latest = job_get(job_id=jobs[0].pk, user=request.user) if jobs else None
    context = {
        "status": reports.warehouse_status(),
        "may_refresh": may_refresh,
        "refresh_at": warehouse_refresh_at(),
        "jobs": jobs,
        "job": latest,
    }
    return render(request, "analytics/warehouse.html", context)


@login_required
@require_POST
def warehouse_refresh_view(request: HttpRequest) -> HttpResponse:
    """Start a refresh (managers and admins) and return to the status page, which shows it."""
    try:
        warehouse_refresh_request(user=request.user, full=request.POST.get("full") == "1")
    except PermissionDeniedError:
        raise PermissionDenied from None
    messages.success(request, _("The warehouse refresh has been queued."))
    return redirect("analytics:warehouse")
