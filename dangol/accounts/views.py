"""Pages of the staff member's own: their notifications and their settings."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from dangol.accounts.notifications import (
    notification_list,
    notification_unread_count,
    notifications_mark_read,
)
from dangol.accounts.services import user_notify_by_email_set


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
@require_http_methods(["GET", "POST"])
def notifications_view(request: HttpRequest) -> HttpResponse:
    """List my notifications (the list refreshes itself); posting marks them read.

    A POST with ``id`` marks that one read, without it all of them; an htmx request gets
    the list back, a plain form post a redirect.
    """
    if request.method == "POST":
        ids = None
        if request.POST.get("id"):
            try:
                ids = [int(request.POST["id"])]
            except ValueError:
                ids = []
        notifications_mark_read(user=request.user, ids=ids)
        if not _is_htmx(request):
            return redirect("accounts:notifications")
    context = {
        "notifications": notification_list(user=request.user),
        "unread": notification_unread_count(user=request.user),
    }
    if _is_htmx(request):
        response = render(request, "accounts/_notifications_list.html", context)
        # The top bar's badge listens for this and fetches the new count.
        response["HX-Trigger"] = "notifications-changed"
        return response
    return render(request, "accounts/notifications.html", context)


@login_required
@require_GET
def notifications_badge_view(request: HttpRequest) -> HttpResponse:
    """The unread count shown in the top bar; the page polls it, so it stays live."""
    return render(
        request,
        "accounts/_notifications_badge.html",
        {"unread": notification_unread_count(user=request.user)},
    )


class SettingsForm(forms.Form):
    notify_by_email = forms.BooleanField(
        label=gettext_lazy("Also email my notifications"),
        required=False,
        help_text=gettext_lazy("Reminders, mentions, SLA alerts and automation notices."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    """My settings: whether notifications also come by email."""
    # Bound on every POST: an unticked box sends nothing at all.
    form = SettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"notify_by_email": request.user.notify_by_email},
    )
    if request.method == "POST" and form.is_valid():
        user_notify_by_email_set(user=request.user, value=form.cleaned_data["notify_by_email"])
        messages.success(request, _("Settings saved."))
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form})
