"""The call-center agent's screen: identify the caller, see the customer at a glance, log.

One page an agent keeps open: a search by phone or email (what a call or mail brings),
then the customer's essentials, open tickets, the live timeline, value tier and churn
risk, what to offer next, and a quick log of the call with its outcome.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from dangol.accounts.roles import Role, user_role
from dangol.core.errors import DangolError, NotFoundError
from dangol.customers import selectors as customer_selectors
from dangol.service import selectors
from dangol.touchpoints import selectors as touchpoint_selectors
from dangol.touchpoints.services import interaction_log

AGENT_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.SERVICE, Role.SALES})

OUTCOMES = [
    ("resolved", _("Resolved on the call")),
    ("ticket", _("Ticket opened")),
    ("callback", _("Callback scheduled")),
    ("sale", _("Sale made")),
    ("not_interested", _("Not interested")),
    ("no_answer", _("No answer")),
    ("wrong_number", _("Wrong number")),
]


class CallLogForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[
            ("phone", _("Phone")),
            ("chat", _("Chat")),
            ("email", _("Email")),
            ("fax", _("Fax")),
        ],
    )
    direction = forms.ChoiceField(
        label=_("Direction"), choices=[("inbound", _("Inbound")), ("outbound", _("Outbound"))]
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OUTCOMES)
    body = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def _require_agent(request: HttpRequest) -> None:
    if user_role(request.user) not in AGENT_ROLES:
        raise PermissionDenied


@login_required
def agent_search(request: HttpRequest) -> HttpResponse:
    """Find the caller by phone number, email or name; one match opens the workspace."""
    _require_agent(request)
    query = request.GET.get("q", "").strip()
    matches = []
    if query:
        matches = customer_selectors.customer_list(user=request.user, query=query, size=10).items
        if len(matches) == 1:
            return redirect("service:agent_customer", matches[0].pk)
    return render(request, "service/agent_search.html", {"query": query, "matches": matches})


@login_required
@require_http_methods(["GET", "POST"])
def agent_customer(request: HttpRequest, pk: int) -> HttpResponse:
    """The workspace for one customer; posting logs the call on the timeline."""
    _require_agent(request)
    try:
        customer = customer_selectors.customer_get(user=request.user, pk=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    form = CallLogForm(request.POST or None, initial={"channel": "phone", "direction": "inbound"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = dict(OUTCOMES)[data["outcome"]]
        try:
            interaction_log(
                actor=request.user,
                customer=customer,
                channel=data["channel"],
                direction=data["direction"],
                subject=data["subject"],
                body=data["body"],
                outcome=str(outcome),
            )
        except DangolError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if data["outcome"] == "ticket":
                return redirect(f"/service/tickets/new/?customer={customer.pk}")
            return redirect("service:agent_customer", customer.pk)
    context = {
        "customer": customer,
        "score": customer_selectors.customer_score(customer=customer),
        "tickets": selectors.ticket_list(
            user=request.user, customer_id=customer.pk, status="active", size=10
        ).items,
        "timeline": touchpoint_selectors.customer_timeline(customer=customer, limit=15),
        "form": form,
    }
    return render(request, "service/agent_customer.html", context)
