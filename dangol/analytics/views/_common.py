"""What every analytics page shares: the role check, the date form, CSV downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from dangol.analytics.olap.permissions import olap_may_query


def analytics_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Require a login, GET, and a role that may read company-wide figures (OLAP roles)."""

    @login_required
    @require_GET
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not olap_may_query(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


class AsOfForm(forms.Form):
    """The day an analysis looks back from (default today)."""

    as_of = forms.DateField(
        label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data=None, **kwargs) -> None:
        super().__init__(data or None, **kwargs)

    def as_of_value(self) -> dt.date:
        """Return the chosen day, or today when none was given or the form is invalid."""
        if self.is_valid() and self.cleaned_data.get("as_of"):
            return self.cleaned_data["as_of"]
        return timezone.localdate()


def _cell(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(round(value, 6))
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return "" if value is None else value


def csv_response(*, filename: str, rows: Iterable[dict], columns: list[str]) -> HttpResponse:
    """Return ``rows`` (dicts) as a CSV download with the given column order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
