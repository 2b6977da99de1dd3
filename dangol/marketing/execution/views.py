"""Pages of campaign execution: tracking endpoints, unsubscribe, exports, call lists.

The tracking and unsubscribe endpoints are public (the signed token is the
authentication) and answer a forged or damaged token with 404 without recording
anything. The others need a signed-in user: marketers start sends and exports and deal
call lists; an agent works through their own call list.
"""

from __future__ import annotations

import base64

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangol.core.errors import DangolError, NotFoundError
from dangol.marketing.execution import (
    attribution,
    calls,
    dispatch,
    exports,
    selectors,
    tracking,
)
from dangol.marketing.models import Campaign
from dangol.marketing.permissions import can_write_marketing

# A 1x1 transparent GIF (42 bytes).
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@never_cache
@require_GET
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    """Record an open and return a 1x1 transparent GIF."""
    try:
        tracking.member_open_record(token=token)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    """Record a click and redirect to the URL the message linked to (and only there)."""
    try:
        url = tracking.member_click_record(token=token)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    # The URL is from our signed token, not the request: any host the message named.
    # On a site that carries our web tracker the token rides along, so the visit is
    # linked to the customer and campaign (docs/webanalytics.md).
    from dangol.webanalytics.selectors import campaign_landing_url

    return HttpResponseRedirect(campaign_landing_url(url=url, token=token))


@csrf_exempt  # RFC 8058 one-click POSTs come from mail providers, without our CSRF cookie.
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Ask for confirmation (GET), then unsubscribe (POST, also the one-click POST).

    A GET changes nothing: mail scanners open links to check them.
    """
    try:
        member = tracking.unsubscribe_member(token=token)
        if request.method == "POST":
            tracking.member_unsubscribe(token=token)
            return render(request, "marketing/execution/unsubscribed.html", {"member": member})
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    return render(request, "marketing/execution/unsubscribe.html", {"member": member})


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    if not can_write_marketing(request.user):
        raise PermissionDenied
    campaign = Campaign.objects.filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def _error_page(request: HttpRequest, campaign: Campaign, error: DangolError) -> HttpResponse:
    return render(
        request,
        "marketing/execution/error.html",
        {"campaign": campaign, "error": error.message},
        status=400,
    )


@login_required
@require_GET
def campaign_execution(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a campaign's members by status, its runs (with file links) and the action."""
    campaign = _campaign(request, pk)
    return render(
        request,
        "marketing/execution/campaign_execution.html",
        {
            "campaign": campaign,
            "counts": selectors.campaign_member_counts(campaign=campaign),
            "jobs": selectors.campaign_runs(campaign=campaign),
        },
    )


@login_required
@require_POST
def campaign_execute(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the send (e-mail) or the provider file (SMS, mail); show the job."""
    campaign = _campaign(request, pk)
    try:
        job = dispatch.campaign_execute(
            campaign=campaign,
            actor=request.user,
            resume_abandoned=request.POST.get("resume_abandoned") == "1",
        )
    except DangolError as exc:
        return _error_page(request, campaign, exc)
    if job is None:  # an outbound-call campaign: deal the calls to agents
        return redirect("marketing:call_assign", pk=campaign.pk)
    return redirect("job_detail", pk=job.pk)


@login_required
@require_POST
def campaign_conversions(request: HttpRequest, pk: int) -> HttpResponse:
    """Count the campaign's conversions now (the worker also does so periodically)."""
    campaign = _campaign(request, pk)
    report = attribution.campaign_conversions_attribute(campaign=campaign)
    return render(
        request,
        "marketing/execution/campaign_execution.html",
        {
            "campaign": campaign,
            "counts": selectors.campaign_member_counts(campaign=campaign),
            "jobs": selectors.campaign_runs(campaign=campaign),
            "attribution": report,
        },
    )


@login_required
@require_GET
def export_download(request: HttpRequest, job_id: int) -> HttpResponse:
    """Download a finished SMS or direct-mail file (its starter or an admin)."""
    try:
        path = exports.campaign_export_file(job_id=job_id, user=request.user)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


class AssignForm(forms.Form):
    agents = forms.ModelMultipleChoiceField(
        label=_("Agents"), queryset=get_user_model().objects.none()
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agents"].queryset = get_user_model().objects.filter(is_active=True)


@login_required
@require_http_methods(["GET", "POST"])
def call_list_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Deal a call campaign's members round-robin to the chosen agents."""
    campaign = _campaign(request, pk)
    form = AssignForm(request.POST or None)
    counts = None
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            counts = calls.campaign_call_list_assign(
                campaign=campaign,
                agents=list(form.cleaned_data["agents"].order_by("pk")),
                actor=request.user,
            )
        except DangolError as exc:
            error = exc.message
    agents = {u.pk: u for u in form.fields["agents"].queryset}
    return render(
        request,
        "marketing/execution/call_assign.html",
        {
            "campaign": campaign,
            "form": form,
            "error": error,
            "dealt": [(agents.get(pk), n) for pk, n in (counts or {}).items()],
        },
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=calls.CallOutcome.choices)
    callback_at = forms.DateTimeField(
        label=_("Call back at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_call_list(request: HttpRequest) -> HttpResponse:
    """An agent's call list: the next call with its script, an outcome form, the rest."""
    form = OutcomeForm(request.POST or None)
    error = ""
    if request.method == "POST":
        try:
            member = calls.call_member_get(
                user=request.user, member_id=int(request.POST.get("member_id", "0") or 0)
            )
        except (NotFoundError, ValueError) as exc:
            raise Http404 from exc
        if form.is_valid():
            try:
                calls.call_outcome_record(
                    member=member,
                    actor=request.user,
                    outcome=form.cleaned_data["outcome"],
                    callback_at=form.cleaned_data["callback_at"],
                )
            except DangolError as exc:
                error = exc.message
            else:
                return redirect("marketing:my_calls")
    entries = calls.call_list_for_agent(user=request.user)
    return render(
        request,
        "marketing/execution/my_calls.html",
        {
            "next_call": entries[0] if entries else None,
            "later": entries[1:],
            "form": form,
            "error": error,
        },
    )
