"""The ``date`` filter, formatting the pages' fixed formats in Python (a builtin).

Django's ``date`` filter builds a ``DateFormat`` and walks the format string per call; the
360 page prints ~25 dates ("Y-m-d H:i" in its order and timeline rows), a few percent of
its CPU (docs/performance.md, "Per-request CPU"). The formats below are built directly,
with the same digits (``Y`` is ``%04d``; ``m``, ``d``, ``H``, ``i`` are ``%02d``; ``c`` is
``isoformat()``); every other value or format goes to Django's filter. The value has
already been moved to the current time zone (``expects_localtime``), as for Django's.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.template.defaultfilters import date as django_date

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """Format a date or datetime as Django's ``date`` filter does."""
    kind = type(value)
    if kind is dt.datetime:
        if arg == "Y-m-d H:i":
            return (
                f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
                f"{value.hour:02d}:{value.minute:02d}"
            )
        if arg == "Y-m-d":
            return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        if arg == "c":
            return value.isoformat()
    elif kind is dt.date and arg == "Y-m-d":
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    return django_date(value, arg)
