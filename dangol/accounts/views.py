"""Pages of the staff member's own: their notifications."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from dangol.accounts.notifications import (
    notification_list,
    notification_unread_count,
    notifications_mark_read,
)


@login_required
@require_http_methods(["GET", "POST"])
def notifications_view(request: HttpRequest) -> HttpResponse:
    """List my notifications; posting marks them read."""
    if request.method == "POST":
        notifications_mark_read(user=request.user)
        return redirect("accounts:notifications")
    return render(
        request,
        "accounts/notifications.html",
        {"notifications": notification_list(user=request.user)},
    )


@login_required
@require_GET
def notifications_badge_view(request: HttpRequest) -> HttpResponse:
    """The unread count shown in the top bar; the page polls it, so it stays live."""
    return render(
        request,
        "accounts/_notifications_badge.html",
        {"unread": notification_unread_count(user=request.user)},
    )
