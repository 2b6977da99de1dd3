"""The customer self-service portal and the partner (dealer) portal.

Every view takes the customer or partner from the logged-in account, never from the URL:
an id in a URL is looked up only inside that customer's or partner's own records.
"""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from dangol.accounts.security.forms import LoginForm
from dangol.core.errors import DangolError, NotFoundError
from dangol.customers.choices import ConsentChannel
from dangol.portal import selectors, services

CONSENT_SOURCE = "customer portal"


class ProfileForm(forms.Form):
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class TicketForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea)


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}))


class PartnerLeadForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class PortalLoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("portal:home")

    def get_default_redirect_url(self):
        return str(self.next_page)


def portal_view(kind: str):
    """Let only a portal account of ``kind`` ("customer" or "partner") in; pass it on."""

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            account = selectors.portal_account_for(request.user)
            if account is None:
                if request.user.is_authenticated:
                    return HttpResponseForbidden("The portal is for customers and partners.")
                return redirect(f"{reverse_lazy('portal:login')}?next={request.path}")
            if (kind == "customer" and account.customer_id is None) or (
                kind == "partner" and account.partner_id is None
            ):
                raise Http404
            if kind == "customer" and account.customer.deleted_at is not None:
                # A customer in the trash is out of the portal until restored.
                return HttpResponseForbidden(_("This account is not available. Please contact us."))
            return view(request, account, *args, **kwargs)

        return wrapper

    return decorate


def home(request: HttpRequest) -> HttpResponse:
    account = selectors.portal_account_for(request.user)
    if account is None:
        return redirect("portal:login")
    return redirect("portal:partner_home" if account.partner_id else "portal:customer_home")


@portal_view("customer")
def customer_home(request: HttpRequest, account) -> HttpResponse:
    """The customer's own page: profile, orders, tickets, consent, offers."""
    from dangol.sales.selectors import order_list_for_customer
    from dangol.service.selectors import ticket_list_for_customer

    customer = account.customer
    offer = None
    try:
        from dangol.marketing.personalisation import next_best_offer

        offer = next_best_offer(customer_id=customer.pk)
    except Exception:  # offers are a bonus: the portal works without marketing data
        offer = None
    return render(
        request,
        "portal/customer_home.html",
        {
            "customer": customer,
            "orders": order_list_for_customer(customer=customer, limit=20),
            "tickets": ticket_list_for_customer(customer=customer)[:20],
            "consents": [
                (value, label, customer.consent_for(value))
                for value, label in ConsentChannel.choices
            ],
            "offer": offer,
            "profile_form": ProfileForm(
                initial={
                    "email": customer.email,
                    "phone": customer.phone,
                    "city": customer.city,
                    "version": customer.version,
                }
            ),
            "ticket_form": TicketForm(),
        },
    )


@require_POST
@portal_view("customer")
def customer_profile(request: HttpRequest, account) -> HttpResponse:
    from dangol.customers.services import customer_self_update

    form = ProfileForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            customer_self_update(customer=account.customer, expected_version=version, **data)
        except DangolError as exc:
            return render(request, "portal/error.html", {"message": exc.message}, status=400)
        return redirect("portal:customer_home")
    return render(request, "portal/error.html", {"message": form.errors.as_text()}, status=400)


@require_POST
@portal_view("customer")
def customer_consent(request: HttpRequest, account) -> HttpResponse:
    """Grant or withdraw consent per channel; "unsubscribe" withdraws every channel."""
    from dangol.customers.services import customer_consent_set

    customer = account.customer
    wanted = set(request.POST.getlist("granted"))
    if request.POST.get("unsubscribe_all"):
        wanted = set()
    for value, _label in ConsentChannel.choices:
        granted = value in wanted
        if customer.consent_for(value) != granted:
            customer_consent_set(
                actor=None,
                customer=customer,
                channel=value,
                granted=granted,
                source=CONSENT_SOURCE,
            )
    return redirect("portal:customer_home")


@require_http_methods(["POST"])
@portal_view("customer")
def customer_ticket_new(request: HttpRequest, account) -> HttpResponse:
    from dangol.service.services import ticket_open

    form = TicketForm(request.POST)
    if form.is_valid():
        try:
            ticket = ticket_open(
                actor=None,
                customer=account.customer,
                channel="portal",
                from_address=account.customer.email,
                **form.cleaned_data,
            )
        except DangolError as exc:
            return render(request, "portal/error.html", {"message": exc.message}, status=400)
        return redirect("portal:customer_ticket", ticket.pk)
    return render(request, "portal/error.html", {"message": form.errors.as_text()}, status=400)


@require_http_methods(["GET", "POST"])
@portal_view("customer")
def customer_ticket(request: HttpRequest, account, pk: int) -> HttpResponse:
    """One of the customer's tickets: read it (notes hidden), reply or close it."""
    from dangol.service import services as ticket_services
    from dangol.service.selectors import ticket_get_for_customer, ticket_messages

    try:
        ticket = ticket_get_for_customer(customer=account.customer, pk=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    form = ReplyForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("close"):
                ticket_services.ticket_customer_close(ticket=ticket)
                return redirect("portal:customer_ticket", ticket.pk)
            if form.is_valid():
                ticket_services.ticket_customer_reply(ticket=ticket, body=form.cleaned_data["body"])
                return redirect("portal:customer_ticket", ticket.pk)
        except DangolError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "portal/customer_ticket.html",
        {
            "ticket": ticket,
            "thread": ticket_messages(ticket=ticket, include_notes=False),
            "form": form,
        },
    )


@portal_view("partner")
def partner_home(request: HttpRequest, account) -> HttpResponse:
    """The partner's customers and the leads they registered with their status."""
    return render(
        request,
        "portal/partner_home.html",
        {
            "partner": account.partner,
            "customers": selectors.partner_customers(partner=account.partner),
            "leads": selectors.partner_leads(partner=account.partner),
            "form": PartnerLeadForm(),
        },
    )


@portal_view("partner")
def partner_customer(request: HttpRequest, account, pk: int) -> HttpResponse:
    from dangol.sales.selectors import order_list_for_customer

    try:
        customer = selectors.partner_customer_get(partner=account.partner, pk=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    return render(
        request,
        "portal/partner_customer.html",
        {"customer": customer, "orders": order_list_for_customer(customer=customer, limit=50)},
    )


@require_POST
@portal_view("partner")
def partner_lead_new(request: HttpRequest, account) -> HttpResponse:
    form = PartnerLeadForm(request.POST)
    if form.is_valid():
        try:
            services.partner_lead_register(partner=account.partner, **form.cleaned_data)
        except DangolError as exc:
            return render(request, "portal/error.html", {"message": exc.message}, status=400)
        return redirect("portal:partner_home")
    return render(request, "portal/error.html", {"message": form.errors.as_text()}, status=400)
