"""The home page: the signed-in user's dashboard, each widget fetched on its own by htmx."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dangol.core.home.widgets import ROLE_TABS, ROLE_WIDGETS, WIDGETS, home_roles


@login_required
@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    """Render the dashboard of the user's role (tabs for several); widgets load lazily."""
    roles = home_roles(request.user)
    wanted = request.GET.get("tab", "")
    role = next((r for r in roles if r.value == wanted), roles[0] if roles else None)
    context = {
        "tabs": [(r.value, ROLE_TABS[r]) for r in roles],
        "tab": role.value if role else "",
        "widgets": ROLE_WIDGETS[role] if role else (),
    }
    return render(request, "core/home.html", context)


@login_required
@require_GET
def home_widget_view(request: HttpRequest, name: str) -> HttpResponse:
    """Render one widget (the page asks for each on load); only a role's own widgets."""
    allowed = {w for role in home_roles(request.user) for w in ROLE_WIDGETS[role]}
    if name not in allowed:
        raise Http404("No such widget")
    widget = WIDGETS[name](user=request.user)
    return render(
        request,
        "core/home/_widget.html",
        {"widget": widget, "chart_id": f"chart-data-{widget.name}"},
    )
