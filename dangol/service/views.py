"""Service desk pages: the queue, a ticket with its SLA clocks, logging a call, the
public contact form and the satisfaction survey.

Each view validates with a form, calls one service or selector, and renders.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangol.core.customfields.filters import (
    custom_filter_fields,
    custom_filter_values,
    form_values,
)
from dangol.core.customfields.forms import custom_form_fields, custom_values
from dangol.core.customfields.selectors import custom_field_definitions, custom_list_columns
from dangol.core.errors import DangolError, NotFoundError, PermissionDeniedError
from dangol.core.htmx import is_htmx_swap
from dangol.core.pagination import parse_cursor
from dangol.customers.selectors import customer_get
from dangol.integration.downloads import export_query, export_response
from dangol.integration.exporters import export_tickets
from dangol.service import permissions, reports, selectors, services
from dangol.service.choices import TicketChannel, TicketKind, TicketPriority, TicketStatus
from dangol.service.models import Queue, SatisfactionSurvey, TicketCategory

STATUS_FILTERS = [("active", _("Active")), ("", _("All")), *TicketStatus.choices]


class TicketFilterForm(forms.Form):
    """The queue's filters, then the filterable custom fields; invalid values are reported."""

    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTERS, required=False)
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.all(), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    breached = forms.BooleanField(label=_("Past an SLA target"), required=False)
    due_soon = forms.BooleanField(label=_("SLA target within an hour"), required=False)

    def __init__(self, data, *, definitions: list) -> None:
        super().__init__(data)
        self.fields.update(
            custom_filter_fields(entity="ticket", definitions=definitions, strict=True)
        )


class TicketOpenForm(forms.Form):
    customer = forms.IntegerField(label=_("Customer number"), min_value=1)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(c, label) for c, label in TicketChannel.choices if c != TicketChannel.API],
        initial=TicketChannel.PHONE,
    )
    kind = forms.ChoiceField(label=_("Type"), choices=TicketKind.choices)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=TicketPriority.choices, initial=TicketPriority.NORMAL
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=TicketCategory.objects.all(), required=False
    )
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.all(), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("What the customer said"), widget=forms.Textarea)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(custom_form_fields(entity="ticket"))  # administrator-defined


class MessageForm(forms.Form):
    """An internal note: appended, it changes nothing another agent could lose."""

    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))


class ReplyForm(MessageForm):
    # A reply can change the status: without the version read it could undo a change.
    version = forms.IntegerField(widget=forms.HiddenInput)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TicketStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=get_user_model().objects.none(), required=False
    )
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.all(), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=TicketPriority.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            get_user_model()
            .objects.filter(
                is_active=True, groups__name__in=["admin", "manager", "service", "sales"]
            )
            .distinct()
        )


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your email"))
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea, max_length=20_000)
    # Left empty by people; bots that fill every field give themselves away.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1"}))


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything to add?"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def _ticket_or_404(request: HttpRequest, pk: int):
    try:
        return selectors.ticket_get(user=request.user, pk=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    """Show the tickets the user may see, filtered, newest first, with SLA states.

    An invalid filter value is reported and left out; an htmx request gets only the
    results. The custom-field definitions are read once for the filters and the columns.
    """
    definitions = custom_field_definitions(entity="ticket")
    form = TicketFilterForm(request.GET or {"status": "active"}, definitions=definitions)
    data = form_values(form)
    page = selectors.ticket_list(
        user=request.user,
        status="active" if data["status"] is None else data["status"],
        queue_id=data["queue"].pk if data.get("queue") else None,
        mine=bool(data.get("mine")),
        breached=bool(data.get("breached")),
        due_within=selectors.SLA_DUE_SOON if data.get("due_soon") else None,
        custom=dict(custom_filter_values(data)),
        definitions=definitions,
        after=parse_cursor(request.GET.get("after")),
        before=parse_cursor(request.GET.get("before")),
    )
    context = {
        "form": form,
        "page": page,
        "now": timezone.now(),
        "custom_columns": custom_list_columns(entity="ticket", definitions=definitions),
        "export_query": export_query(request),
    }
    template = (
        "service/_ticket_results.html" if is_htmx_swap(request) else "service/ticket_list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def ticket_export(request: HttpRequest, suffix: str) -> HttpResponse:
    """Export every ticket the list shows for the same query string (all pages, CSV/XLSX).

    The list's filters (custom-field filters too) and the user's visibility apply; an
    invalid filter value is left out, as on the list.
    """
    if suffix not in ("csv", "xlsx"):
        raise Http404
    definitions = custom_field_definitions(entity="ticket")
    form = TicketFilterForm(request.GET or {"status": "active"}, definitions=definitions)
    data = form_values(form)
    tickets = selectors.ticket_export_queryset(
        user=request.user,
        status="active" if data["status"] is None else data["status"],
        queue_id=data["queue"].pk if data.get("queue") else None,
        mine=bool(data.get("mine")),
        breached=bool(data.get("breached")),
        due_within=selectors.SLA_DUE_SOON if data.get("due_soon") else None,
        custom=dict(custom_filter_values(data)),
        definitions=definitions,
    )
    return export_response(
        lambda out: export_tickets(out=out, fmt=suffix, queryset=tickets),
        suffix=suffix,
        name="dangol-tickets",
    )


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    """Log a ticket an agent took by phone, fax or in person."""
    form = TicketOpenForm(request.POST or None, initial={"customer": request.GET.get("customer")})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not k.startswith("cf_")}
        data["custom_fields"] = custom_values(form.cleaned_data)
        try:
            customer = customer_get(user=request.user, pk=data.pop("customer"))
            ticket = services.ticket_open(actor=request.user, customer=customer, **data)
        except NotFoundError:
            form.add_error("customer", _("No such customer."))
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except DangolError as exc:
            name = exc.field.replace("custom_fields.", "cf_")
            form.add_error(name if name in form.fields else None, exc.message)
        else:
            return redirect("service:ticket_detail", ticket.pk)
    return render(request, "service/ticket_new.html", {"form": form})


def _detail_context(request: HttpRequest, ticket, **forms_in_error) -> dict:
    may_work = permissions.can_work_ticket(request.user, ticket)
    return {
        "ticket": ticket,
        "clocks": selectors.ticket_sla_clocks(ticket=ticket),
        "thread": selectors.ticket_messages(ticket=ticket),
        "history": selectors.ticket_history(ticket=ticket),
        "may_work": may_work,
        "reply_form": forms_in_error.get("reply") or ReplyForm(initial={"version": ticket.version}),
        "note_form": forms_in_error.get("note") or MessageForm(),
        "status_form": forms_in_error.get("status")
        or StatusForm(initial={"status": ticket.status, "version": ticket.version}),
        "assign_form": forms_in_error.get("assign")
        or AssignForm(
            initial={
                "assignee": ticket.assignee_id,
                "queue": ticket.queue_id,
                "priority": ticket.priority,
                "version": ticket.version,
            }
        ),
    }


@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a ticket: its conversation, SLA clocks, history and the agent's actions."""
    ticket = _ticket_or_404(request, pk)
    return render(request, "service/ticket_detail.html", _detail_context(request, ticket))


@login_required
@require_POST
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Reply, add a note, change the status or reassign; errors re-render the page."""
    ticket = _ticket_or_404(request, pk)
    form_class = {"reply": ReplyForm, "note": MessageForm, "status": StatusForm}.get(
        action, AssignForm
    )
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "reply":
                services.ticket_reply(
                    actor=request.user,
                    ticket=ticket,
                    body=data["body"],
                    expected_version=data["version"],
                )
            elif action == "note":
                services.ticket_note_add(actor=request.user, ticket=ticket, body=data["body"])
            elif action == "status":
                services.ticket_status_set(
                    actor=request.user,
                    ticket=ticket,
                    status=data["status"],
                    expected_version=data["version"],
                )
            else:
                services.ticket_update(
                    actor=request.user,
                    ticket=ticket,
                    version=data["version"],
                    assignee=data["assignee"],
                    queue=data["queue"],
                    priority=data["priority"],
                )
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except DangolError as exc:
            name = exc.field.replace("custom_fields.", "cf_")
            form.add_error(name if name in form.fields else None, exc.message)
        else:
            return redirect("service:ticket_detail", ticket.pk)
    ticket = _ticket_or_404(request, pk)
    context = _detail_context(request, ticket, **{action: form})
    return render(request, "service/ticket_detail.html", context, status=400)


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    """The public web form: anyone can write to the service desk (a ticket on the web channel)."""
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["website"]:
            return render(request, "service/contact_done.html", {"ticket": None})
        try:
            ticket = services.ticket_from_web_form(
                name=data["name"], email=data["email"], subject=data["subject"], body=data["body"]
            )
        except DangolError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return render(request, "service/contact_done.html", {"ticket": ticket})
    return render(request, "service/contact.html", {"form": form})


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The satisfaction survey a customer reaches from the email sent at closing."""
    survey = SatisfactionSurvey.objects.select_related("ticket").filter(token=token).first()
    if survey is None:
        raise Http404("No such survey")
    form = SurveyForm(request.POST or None)
    if survey.answered_at is None and request.method == "POST" and form.is_valid():
        try:
            services.survey_answer(token=token, **form.cleaned_data)
        except DangolError as exc:
            form.add_error(None, exc.message)
        else:
            survey.refresh_from_db()
    return render(request, "service/survey.html", {"survey": survey, "form": form})


@login_required
def voc_report(request: HttpRequest) -> HttpResponse:
    """Voice of the customer: categories and trends, top complaints, times by team."""
    if not permissions.can_read_reports(request.user):
        raise PermissionDenied
    return render(request, "service/voc.html", {"report": reports.voc_report()})
