"""The member's security page (two-factor on/off) and the login's second step."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from dangol.accounts.models import TotpDevice
from dangol.accounts.security import totp
from dangol.accounts.security.forms import lock_message
from dangol.accounts.security.lockout import (
    client_address,
    login_failure_record,
    login_lock_find,
)
from dangol.accounts.security.middleware import ENROL, OK, SESSION_KEY, two_factor_state
from dangol.core.errors import DangolError


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def security_view(request: HttpRequest) -> HttpResponse:
    """Show two-factor status; enrol (start, confirm) or turn it off."""
    user = request.user
    form = CodeForm(request.POST or None)
    recovery_codes: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "start":
                totp.totp_enrol_start(user=user)
                return redirect("accounts:security")
            if action == "confirm" and form.is_valid():
                recovery_codes = totp.totp_enrol_confirm(user=user, code=form.cleaned_data["code"])
                request.session[SESSION_KEY] = OK
                messages.success(request, _("Two-factor login is on."))
                form = CodeForm()
            elif action == "disable" and form.is_valid():
                totp.totp_disable(user=user, code=form.cleaned_data["code"])
                messages.success(request, _("Two-factor login is off."))
                return redirect("accounts:security")
        except DangolError as exc:
            form.add_error("code", _(exc.message))
    device = TotpDevice.objects.filter(user=user).first()
    pending = device is not None and device.confirmed_at is None
    return render(
        request,
        "accounts/security.html",
        {
            "device": device,
            "pending": pending,
            "qr_svg": mark_safe(totp.totp_qr_svg(device=device)) if pending else "",  # noqa: S308 (segno's own SVG)
            "secret": device.secret if pending else "",
            "form": form,
            "recovery_codes": recovery_codes,
            "required": totp.totp_required(user=user),
            "must_enrol": two_factor_state(request) == ENROL,
            "next": _next_url(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify_view(request: HttpRequest) -> HttpResponse:
    """The login's second step: a code from the authenticator app, or a recovery code."""
    if two_factor_state(request) == OK:
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    address = client_address(request)
    username = request.user.get_username()
    lock = login_lock_find(username=username, address=address)
    if lock is not None:
        form.is_valid()
        form.add_error(None, lock_message(lock.seconds_left))
    elif request.method == "POST" and form.is_valid():
        if totp.totp_verify(user=request.user, code=form.cleaned_data["code"]):
            request.session.cycle_key()
            request.session[SESSION_KEY] = OK
            return redirect(_next_url(request))
        login_failure_record(username=username, address=address)
        lock = login_lock_find(username=username, address=address)
        form.add_error(
            "code" if lock is None else None,
            _("That code is not right.") if lock is None else lock_message(lock.seconds_left),
        )
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )
