"""Pages of the history, the trash and a customer's personal data.

The history is loaded into each record's page (customer 360, order, ticket,
opportunity) by htmx from ``history_view``; the actions post here and go back to the
record's page with a message.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangol.core.audit import kinds, selectors, services
from dangol.core.errors import DangolError, NotFoundError, PermissionDeniedError


def _record(request: HttpRequest, kind: str, pk: int):
    try:
        return kinds.record_get(user=request.user, kind=kind, pk=pk)
    except (NotFoundError, DangolError) as exc:
        raise Http404(str(exc)) from exc


def _record_url(kind: str, pk: int) -> str:
    return reverse(kinds.kind_get(kind).url_name, args=[pk])


@login_required
@require_GET
def history_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Render a record's history section (who, when, field: old -> new) with its actions."""
    from dangol.customers.privacy import can_manage_privacy

    record = _record(request, kind, pk)
    rows = selectors.record_history(instance=record)
    erased = kind == "customer" and selectors.record_is_erased(instance=record)
    context = {
        "kind": kind,
        "record": record,
        "rows": rows,
        "latest_seq": rows[0].entry.seq if rows else 0,
        "can_revert": not erased,
        "can_trash": kinds.can_trash(request.user, record),
        "can_privacy": kind == "customer"
        and not erased
        and can_manage_privacy(request.user, record),
    }
    return render(request, "audit/_history.html", context)


def _run(request: HttpRequest, action, success: str) -> None:
    try:
        action()
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc  # a refused role gets 403, not a bounce
    except DangolError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)


@login_required
@require_POST
def revert_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Restore a record to the version posted in ``version``."""
    record = _record(request, kind, pk)
    if not kinds.can_revert(request.user, record):
        raise PermissionDenied
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, _("Choose a version to restore."))
        return redirect(_record_url(kind, pk))
    _run(
        request,
        lambda: services.record_revert(instance=record, version=version, actor=request.user),
        _("Version %(version)s restored.") % {"version": version},
    )
    return redirect(_record_url(kind, pk))


@login_required
@require_POST
def trash_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    record = _record(request, kind, pk)
    if not kinds.can_trash(request.user, record):
        raise PermissionDenied
    _run(
        request,
        lambda: services.record_trash(instance=record, actor=request.user),
        _("Moved to the trash. It can be restored from the trash."),
    )
    return redirect(_record_url(kind, pk))


@login_required
@require_POST
def restore_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    record = _record(request, kind, pk)
    if not kinds.can_trash(request.user, record):
        raise PermissionDenied
    _run(
        request,
        lambda: services.record_restore(instance=record, actor=request.user),
        _("Restored from the trash."),
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = _record_url(kind, pk)  # only our own pages, never an outside address
    return redirect(target)


class ConfirmForm(forms.Form):
    """Typed confirmation: the person types the record's name (or the customer's)."""

    confirmation = forms.CharField(label=_("Type the name to confirm"), max_length=200)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


@login_required
@require_http_methods(["GET", "POST"])
def purge_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Delete a trashed record for good (administrators), after typing its name."""
    record = _record(request, kind, pk)
    if not kinds.can_purge(request.user):
        raise PermissionDenied
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirmation"].strip() != str(record).strip():
            form.add_error("confirmation", _("The name you typed does not match."))
        else:
            try:
                services.record_purge(instance=record, actor=request.user)
            except DangolError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Deleted permanently."))
                return redirect("audit:trash")
    return render(
        request,
        "audit/confirm.html",
        {"record": record, "kind": kind, "form": form, "purpose": "purge", "active_nav": "audit"},
    )


@login_required
@require_GET
def trash_list_view(request: HttpRequest) -> HttpResponse:
    """The trash: trashed customers, orders, tickets and opportunities (managers, admins)."""
    if not kinds.can_see_trash(request.user):
        raise PermissionDenied
    kind = request.GET.get("kind", "")
    if kind not in kinds.KINDS:
        kind = ""
    return render(
        request,
        "audit/trash.html",
        {
            "sections": selectors.trash_list(user=request.user, kind=kind),
            "kind": kind,
            "kinds": kinds.KINDS.values(),
            "can_purge": kinds.can_purge(request.user),
            "active_nav": "audit",
        },
    )


def _customer(request: HttpRequest, pk: int):
    from dangol.customers.privacy import can_manage_privacy

    customer = _record(request, "customer", pk)
    if not can_manage_privacy(request.user, customer):
        raise PermissionDenied
    return customer


@login_required
@require_GET
def privacy_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Download everything held about a customer as one JSON document."""
    from dangol.customers.privacy import customer_personal_data_export

    customer = _customer(request, pk)
    document = customer_personal_data_export(customer=customer, actor=request.user)
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="customer-{pk}-personal-data.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def privacy_erase_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Erase a customer's personal data after the name is typed and a reason given."""
    from dangol.customers.privacy import customer_erase

    customer = _customer(request, pk)
    form = ConfirmForm(request.POST or None)
    form.fields["reason"].required = True
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirmation"].strip() != customer.name.strip():
            form.add_error("confirmation", _("The name you typed does not match."))
        else:
            try:
                customer_erase(
                    customer=customer, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DangolError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The customer's personal data was erased."))
                return redirect("customers:detail", pk)
    return render(
        request,
        "audit/confirm.html",
        {
            "record": customer,
            "kind": "customer",
            "form": form,
            "purpose": "erase",
            "active_nav": "customers",
        },
    )
