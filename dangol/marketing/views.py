"""Marketing pages: segments with the rule builder, campaigns, the review dashboard.

Views validate, call one service or selector and render. Reading needs a marketing
reader role (admin, manager, marketing, analyst), changing a writer role (not the
analyst); see ``marketing/permissions.py``. Campaign execution has its own views in
``execution/views.py``.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangol.core.errors import DangolError, NotFoundError
from dangol.marketing import selectors, services
from dangol.marketing.choices import (
    CampaignChannel,
    CampaignGoal,
    CampaignStatus,
    SegmentKind,
)
from dangol.marketing.errors import SegmentRuleError
from dangol.marketing.permissions import can_read_marketing, can_write_marketing
from dangol.marketing.segments.builder import builder_parse, builder_view
from dangol.marketing.segments.custom_fields import custom_field_specs
from dangol.marketing.segments.rules import FIELDS, rule_validate
from dangol.marketing.segments.sources import category_choices


def _require_read(request: HttpRequest) -> None:
    if not can_read_marketing(request.user):
        raise PermissionDenied(_("Your role may not use segments and campaigns."))


def _require_write(request: HttpRequest) -> None:
    if not can_write_marketing(request.user):
        raise PermissionDenied(_("Your role may not change segments and campaigns."))


def _get(getter, **kwargs):
    try:
        return getter(**kwargs)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


# --------------------------------------------------------------------------------------
# Segments


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=SegmentKind.choices)


def _builder_context(rule) -> dict:
    from dangol.marketing.selectors import campaign_list

    return {
        "tree": builder_view(rule),
        "rule_json": json.dumps(rule),
        "fields": [*FIELDS.values(), *custom_field_specs().values()],
        "categories": category_choices(),
        "campaign_choices": [(c.pk, c.name) for c in campaign_list()[:200]],
        "bool_choices": [("true", _("Yes")), ("false", _("No"))],
    }


@login_required
@require_GET
def segment_list_view(request: HttpRequest) -> HttpResponse:
    _require_read(request)
    return render(
        request,
        "marketing/segment_list.html",
        {"segments": selectors.segment_list(), "can_write": can_write_marketing(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def segment_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a segment with the rule builder and the live count."""
    _require_read(request)
    segment = _get(selectors.segment_get, pk=pk) if pk else None
    if request.method == "POST":
        _require_write(request)
        form = SegmentForm(request.POST)
        rule = builder_parse(request.POST)
        if form.is_valid():
            try:
                if segment is None:
                    segment = services.segment_create(
                        actor=request.user, rule=rule, **form.cleaned_data
                    )
                else:
                    services.segment_update(
                        actor=request.user, segment=segment, rule=rule, **form.cleaned_data
                    )
            except SegmentRuleError as exc:
                form.add_error(None, exc.message)
            except DangolError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Segment saved."))
                return redirect("marketing:segment_edit", pk=segment.pk)
    else:
        rule = (
            segment.rule
            if segment
            else {"and": [{"field": "status", "op": "eq", "value": "customer"}]}
        )
        form = SegmentForm(
            initial={"name": segment.name, "description": segment.description, "kind": segment.kind}
            if segment
            else {"kind": SegmentKind.DYNAMIC}
        )
    context = {
        "form": form,
        "segment": segment,
        "can_write": can_write_marketing(request.user),
        **_builder_context(rule),
    }
    return render(request, "marketing/segment_form.html", context)


@login_required
@require_POST
def segment_builder_view(request: HttpRequest) -> HttpResponse:
    """Re-render the rule builder after a change or an add/remove button (htmx)."""
    _require_read(request)
    rule = builder_parse(request.POST)
    return render(request, "marketing/_builder.html", _builder_context(rule))


@login_required
@require_http_methods(["GET", "POST"])
def segment_count_view(request: HttpRequest) -> HttpResponse:
    """Return the live count of a rule (``rule`` as JSON, or the builder's inputs)."""
    _require_read(request)
    data = request.POST if request.method == "POST" else request.GET
    error = ""
    count = None
    try:
        rule = json.loads(data["rule"]) if "rule" in data else builder_parse(data)
        rule_validate(rule)
        count = selectors.rule_count(rule=rule)
    except json.JSONDecodeError:
        error = _("The rule is not valid JSON.")
    except SegmentRuleError as exc:
        error = exc.message
    return render(request, "marketing/_count.html", {"count": count, "error": error})


@login_required
@require_POST
def segment_snapshot_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_write(request)
    segment = _get(selectors.segment_get, pk=pk)
    size = services.segment_snapshot(actor=request.user, segment=segment)
    messages.success(request, _("Snapshot taken: %(n)s customers.") % {"n": f"{size:,}"})
    return redirect("marketing:segment_edit", pk=pk)


# --------------------------------------------------------------------------------------
# Campaigns


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    goal = forms.ChoiceField(label=_("Goal"), choices=CampaignGoal.choices)
    segment = forms.TypedChoiceField(
        label=_("Segment"), coerce=int, required=False, empty_value=None
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=CampaignChannel.choices)
    offer = forms.CharField(
        label=_("Offer"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    scheduled_at = forms.DateTimeField(
        label=_("Scheduled for"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    budget = forms.DecimalField(label=_("Budget"), required=False, min_value=0, decimal_places=2)
    cost_per_contact = forms.DecimalField(
        label=_("Cost per contact"), min_value=0, decimal_places=2, initial=0
    )
    control_percent = forms.IntegerField(
        label=_("Control group (%)"), min_value=0, max_value=50, initial=10
    )
    skip_bottom_tier = forms.BooleanField(
        label=_("Spend nothing on the bottom value tier"), required=False
    )
    frequency_cap = forms.IntegerField(
        label=_("Frequency cap (contacts)"), required=False, min_value=1
    )
    frequency_days = forms.IntegerField(label=_("per (days)"), min_value=1, initial=30)
    attribution_days = forms.IntegerField(
        label=_("Attribution window (days)"), min_value=1, max_value=365, initial=14
    )
    subject_ko = forms.CharField(label=_("Subject (Korean)"), required=False, max_length=200)
    subject_en = forms.CharField(label=_("Subject (English)"), required=False, max_length=200)
    body_ko = forms.CharField(
        label=_("Body (Korean)"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    body_en = forms.CharField(
        label=_("Body (English)"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [("", _("(choose later)"))] + [
            (s.pk, s.name) for s in selectors.segment_list()
        ]


CAMPAIGN_FORM_FIELDS = tuple(CampaignForm.base_fields)


@login_required
@require_GET
def campaign_list_view(request: HttpRequest) -> HttpResponse:
    _require_read(request)
    return render(
        request,
        "marketing/campaign_list.html",
        {
            "campaigns": selectors.campaign_list()[:500],
            "can_write": can_write_marketing(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_write(request)
    campaign = _get(selectors.campaign_get, pk=pk) if pk else None
    if request.method == "POST":
        form = CampaignForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            if data.get("cost_per_contact") is None:
                data["cost_per_contact"] = 0
            try:
                if campaign is None:
                    campaign = services.campaign_create(actor=request.user, **data)
                else:
                    services.campaign_update(actor=request.user, campaign=campaign, **data)
            except DangolError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Campaign saved."))
                return redirect("marketing:campaign_detail", pk=campaign.pk)
    else:
        initial = (
            {name: getattr(campaign, name) for name in CAMPAIGN_FORM_FIELDS if name != "segment"}
            | {"segment": campaign.segment_id}
            if campaign
            else None
        )
        form = CampaignForm(initial=initial)
    return render(request, "marketing/campaign_form.html", {"form": form, "campaign": campaign})


_S = CampaignStatus
NEXT_STATUSES = {
    _S.DRAFT: [_S.SCHEDULED, _S.RUNNING, _S.CANCELLED],
    _S.SCHEDULED: [_S.RUNNING, _S.DRAFT, _S.CANCELLED],
    _S.RUNNING: [_S.PAUSED, _S.COMPLETED, _S.CANCELLED],
    _S.PAUSED: [_S.RUNNING, _S.COMPLETED, _S.CANCELLED],
}


@login_required
@require_GET
def campaign_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_read(request)
    campaign = _get(selectors.campaign_get, pk=pk)
    review = selectors.campaign_review(campaign=campaign)
    return render(
        request,
        "marketing/campaign_detail.html",
        {
            "campaign": campaign,
            "review": review,
            "can_write": can_write_marketing(request.user),
            "next_statuses": [
                (s.value, s.label) for s in NEXT_STATUSES.get(CampaignStatus(campaign.status), [])
            ],
        },
    )


@login_required
@require_POST
def campaign_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_write(request)
    campaign = _get(selectors.campaign_get, pk=pk)
    try:
        services.campaign_status_set(
            actor=request.user, campaign=campaign, status=request.POST.get("status", "")
        )
    except DangolError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Campaign status changed."))
    return redirect("marketing:campaign_detail", pk=pk)


@login_required
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """Compare campaigns: contacts, response, revenue, ROI and lift over control."""
    _require_read(request)
    status = request.GET.get("status") or None
    if status not in (None, *CampaignStatus.values):
        status = None
    reviews = selectors.campaign_review_list(status=status)
    return render(
        request,
        "marketing/dashboard.html",
        {"reviews": reviews, "status": status or "", "statuses": CampaignStatus.choices},
    )


@login_required
@require_GET
def next_best_offer_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Render the next best offer partial for one customer (the 360 page, agent screen)."""
    from dangol.customers.selectors import customer_get
    from dangol.marketing.personalisation import next_best_offer

    try:
        customer = customer_get(user=request.user, pk=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    return render(
        request,
        "marketing/_next_best_offer.html",
        {"nbo": next_best_offer(customer_id=customer.pk)},
    )
