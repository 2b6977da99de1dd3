"""Pipeline pages: the kanban board (drag a card to move it), leads, conversion, forecast,
and the public lead form.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangol.core.customfields.filters import (
    custom_filter_fields,
    custom_filter_values,
    form_values,
)
from dangol.core.customfields.selectors import custom_field_definitions, custom_list_columns
from dangol.core.errors import ConflictError, DangolError, NotFoundError, PermissionDeniedError
from dangol.core.pagination import parse_cursor
from dangol.customers.choices import Region
from dangol.integration.downloads import export_query, export_response
from dangol.integration.exporters import export_opportunities
from dangol.sales import pipeline_selectors as selectors
from dangol.sales import pipeline_services as services
from dangol.sales.choices import LeadSource, LeadStatus, LossReason, OpportunityChannel
from dangol.sales.models import PipelineStage


class LeadForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    region = forms.ChoiceField(
        label=_("Region"), choices=[("", "—"), *Region.choices], required=False
    )
    source = forms.ChoiceField(label=_("Source"), choices=LeadSource.choices)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class PublicLeadForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    email = forms.EmailField(label=_("Your email"))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    note = forms.CharField(
        label=_("What are you interested in?"), widget=forms.Textarea, required=False
    )
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1"}))


class ConvertForm(forms.Form):
    opportunity_name = forms.CharField(label=_("Opportunity"), max_length=200)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=14, decimal_places=2)
    expected_close = forms.DateField(
        label=_("Expected close"), widget=forms.DateInput(attrs={"type": "date"})
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=OpportunityChannel.choices)
    attach_to_duplicate = forms.BooleanField(
        label=_("Attach to the existing customer"), required=False
    )


class BoardFilterForm(forms.Form):
    """The board's custom-field filters (channel and "mine" are read as before)."""

    def __init__(self, data, *, definitions: list) -> None:
        super().__init__(data)
        self.fields.update(
            custom_filter_fields(entity="opportunity", definitions=definitions, strict=True)
        )


class MoveForm(forms.Form):
    stage = forms.ModelChoiceField(queryset=PipelineStage.objects.all(), to_field_name="code")
    version = forms.IntegerField(min_value=1)
    loss_reason = forms.ChoiceField(
        choices=[("", "—"), *LossReason.choices], required=False, label=_("Loss reason")
    )
    outcome_note = forms.CharField(required=False, max_length=5000)


def _require_seller(request: HttpRequest) -> None:
    if not services.can_sell(request.user):
        raise PermissionDenied


def _board_filters(request: HttpRequest) -> tuple[BoardFilterForm, dict]:
    """Return the board's filter form and its filters as selector arguments."""
    definitions = custom_field_definitions(entity="opportunity")
    form = BoardFilterForm(request.GET, definitions=definitions)
    channel = request.GET.get("channel", "")
    closing = None
    if request.GET.get("closing") == "this-month":
        # The home page's "deals closing this month" lands here.
        today = timezone.localdate()
        first = today.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        closing = (first, last)
    return form, {
        "channel": channel if channel in OpportunityChannel.values else "",
        "owner_id": request.user.pk if request.GET.get("mine") else None,
        "closing": closing,
        "custom": dict(custom_filter_values(form_values(form))),
        "definitions": definitions,
    }


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The kanban board: one column per stage; cards move by drag and drop."""
    _require_seller(request)
    form, filters = _board_filters(request)
    definitions = filters["definitions"]
    channel = filters["channel"]
    columns = selectors.pipeline_board(user=request.user, **filters)
    return render(
        request,
        "sales/pipeline/board.html",
        {
            "columns": columns,
            "channels": OpportunityChannel.choices,
            "channel": channel,
            "loss_reasons": LossReason.choices,
            "form": form,
            "custom_columns": custom_list_columns(entity="opportunity", definitions=definitions),
            "export_query": export_query(request),
        },
    )


@login_required
@require_GET
def opportunity_export(request: HttpRequest, suffix: str) -> HttpResponse:
    """Export the opportunities the board shows for the same filters (CSV or XLSX).

    Every matching opportunity is written, open or closed, not only the cards drawn.
    """
    _require_seller(request)
    if suffix not in ("csv", "xlsx"):
        raise Http404
    _form, filters = _board_filters(request)
    opportunities = selectors.opportunity_export_queryset(user=request.user, **filters)
    return export_response(
        lambda out: export_opportunities(out=out, fmt=suffix, queryset=opportunities),
        suffix=suffix,
        name="dangol-opportunities",
    )


@login_required
@require_POST
def opportunity_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a card (the board's drop): JSON in the answer, 409 when the board is stale."""
    _require_seller(request)
    try:
        opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    form = MoveForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": form.errors.get_json_data()}, status=400)
    data = form.cleaned_data
    try:
        opportunity = services.opportunity_move(
            actor=request.user,
            opportunity=opportunity,
            stage=data["stage"],
            expected_version=data["version"],
            loss_reason=data["loss_reason"],
            outcome_note=data["outcome_note"],
        )
    except PermissionDeniedError as exc:
        return JsonResponse({"error": exc.message}, status=403)
    except ConflictError as exc:
        return JsonResponse({"error": exc.message}, status=409)
    except DangolError as exc:
        return JsonResponse({"error": exc.message, "field": exc.field}, status=400)
    return JsonResponse(
        {"id": opportunity.pk, "stage": opportunity.stage.code, "version": opportunity.version}
    )


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    _require_seller(request)
    status = request.GET.get("status", "")
    page = selectors.lead_list(
        user=request.user,
        status=status if status in LeadStatus.values else "",
        after=parse_cursor(request.GET.get("after")),
        before=parse_cursor(request.GET.get("before")),
    )
    return render(
        request,
        "sales/pipeline/lead_list.html",
        {"page": page, "statuses": LeadStatus.choices, "status": status},
    )


@login_required
@require_http_methods(["GET", "POST"])
def lead_new(request: HttpRequest) -> HttpResponse:
    _require_seller(request)
    form = LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_capture(actor=request.user, **form.cleaned_data)
        except DangolError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("pipeline:lead_detail", lead.pk)
    return render(request, "sales/pipeline/lead_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A lead with its possible duplicate, and the conversion form."""
    _require_seller(request)
    try:
        lead = selectors.lead_get(user=request.user, pk=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    form = ConvertForm(
        request.POST or None,
        initial={
            "opportunity_name": lead.company_name or lead.name,
            "expected_close": dt.date.today() + dt.timedelta(days=30),
            "attach_to_duplicate": lead.duplicate_of_id is not None,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        attach = data.pop("attach_to_duplicate")
        try:
            opportunity = services.lead_convert(
                actor=request.user,
                lead=lead,
                customer=lead.duplicate_of if attach else None,
                **data,
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except DangolError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("customers:detail", opportunity.customer_id)
    return render(request, "sales/pipeline/lead_detail.html", {"lead": lead, "form": form})


@login_required
def forecast(request: HttpRequest) -> HttpResponse:
    _require_seller(request)
    by = "team" if request.GET.get("by") == "team" else "owner"
    rows = selectors.pipeline_forecast(user=request.user, by=by)
    return render(request, "sales/pipeline/forecast.html", {"rows": rows, "by": by})


@require_http_methods(["GET", "POST"])
def lead_form_public(request: HttpRequest) -> HttpResponse:
    """The public "contact sales" form on the website: a lead from the web form."""
    form = PublicLeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not data.pop("website"):
            try:
                services.lead_capture(actor=None, source=LeadSource.WEB_FORM, **data)
            except DangolError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                return render(request, "sales/pipeline/lead_form_public.html", {"form": form})
        return render(request, "sales/pipeline/lead_form_done.html")
    return render(request, "sales/pipeline/lead_form_public.html", {"form": form})


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    due_at = forms.DateTimeField(
        label=_("Due"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    remind_at = forms.DateTimeField(
        label=_("Remind me at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    customer = forms.IntegerField(label=_("Customer number"), required=False, min_value=1)


@login_required
@require_http_methods(["GET", "POST"])
def task_list(request: HttpRequest) -> HttpResponse:
    """My open tasks by due time; add one, or tick one off."""
    from dangol.customers.selectors import customer_get
    from dangol.sales import work_services
    from dangol.sales.work_selectors import task_get, task_list_open

    form = TaskForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("done"):
            try:
                task = task_get(user=request.user, pk=int(request.POST["done"]))
                work_services.task_done(actor=request.user, task=task)
            except (ValueError, NotFoundError) as exc:
                raise Http404 from exc
            return redirect("pipeline:tasks")
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                customer_id = data.pop("customer")
                customer = customer_get(user=request.user, pk=customer_id) if customer_id else None
                work_services.task_create(actor=request.user, customer=customer, **data)
            except NotFoundError:
                form.add_error("customer", _("No such customer."))
            except DangolError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect("pipeline:tasks")
    # ?due=today or ?due=overdue: the home page's task counts land on the same tasks.
    due = request.GET.get("due", "")
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    bounds = {
        "today": {"due_from": start, "due_before": start + dt.timedelta(days=1)},
        "overdue": {"due_before": start},
    }.get(due, {})
    return render(
        request,
        "sales/pipeline/tasks.html",
        {
            "tasks": task_list_open(user=request.user, **bounds),
            "form": form,
            "now": timezone.now(),
            "due": due if bounds else "",
        },
    )


QUOTE_LINES = 5


class QuoteForm(forms.Form):
    number = forms.CharField(label=_("Quote number"), max_length=64)
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for i in range(QUOTE_LINES):
            self.fields[f"sku_{i}"] = forms.CharField(label=_("SKU"), required=False, max_length=64)
            self.fields[f"quantity_{i}"] = forms.IntegerField(
                label=_("Quantity"), required=False, min_value=1, max_value=1_000_000
            )
            self.fields[f"discount_{i}"] = forms.DecimalField(
                label=_("Discount"), required=False, min_value=0, max_digits=14, decimal_places=2
            )

    def line_rows(self):
        return [
            (self[f"sku_{i}"], self[f"quantity_{i}"], self[f"discount_{i}"])
            for i in range(QUOTE_LINES)
        ]


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An opportunity: stage history, its quotes (draft one, accept one into an order)."""
    from dangol.catalog.selectors import product_get_by_sku
    from dangol.sales import work_services
    from dangol.sales.models import Quote
    from dangol.sales.work_selectors import quote_list_for_opportunity

    _require_seller(request)
    try:
        opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    form = QuoteForm(
        request.POST if request.POST.get("action") == "quote" else None,
        initial={"valid_until": dt.date.today() + dt.timedelta(days=30)},
    )
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "accept":
                quote = Quote.objects.get(pk=int(request.POST["quote"]), opportunity=opportunity)
                order = work_services.quote_accept(actor=request.user, quote=quote)
                return redirect("sales:order_detail", order.pk)
            if form.is_valid():
                data = form.cleaned_data
                lines = [
                    work_services.QuoteLineInput(
                        product=product_get_by_sku(sku=data[f"sku_{i}"]),
                        quantity=data[f"quantity_{i}"] or 1,
                        discount=data[f"discount_{i}"] or 0,
                    )
                    for i in range(QUOTE_LINES)
                    if data[f"sku_{i}"]
                ]
                work_services.quote_create(
                    actor=request.user,
                    customer=opportunity.customer,
                    opportunity=opportunity,
                    number=data["number"],
                    valid_until=data["valid_until"],
                    lines=lines,
                )
                return redirect("pipeline:opportunity_detail", opportunity.pk)
        except (KeyError, ValueError, Quote.DoesNotExist):
            error = str(_("Choose a quote."))
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except DangolError as exc:
            error = exc.message
    history = opportunity.stage_changes.select_related("from_stage", "to_stage", "actor").order_by(
        "occurred_at", "id"
    )
    return render(
        request,
        "sales/pipeline/opportunity_detail.html",
        {
            "opportunity": opportunity,
            "history": history,
            "quotes": quote_list_for_opportunity(opportunity=opportunity),
            "form": form,
            "error": error,
        },
        status=400 if error else 200,
    )
