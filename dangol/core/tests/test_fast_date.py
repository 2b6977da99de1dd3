"""The builtin ``date`` filter prints exactly what Django's does, in any time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Engine, Template
from django.template.defaultfilters import date as django_date
from django.utils import timezone

from dangol.core.templatetags.fast_date import date as fast_date

VALUES = [
    dt.datetime(2026, 3, 5, 7, 8, 9, 123456, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=dt.UTC),  # a new year in Seoul
    dt.datetime(999, 1, 2, 3, 4, tzinfo=dt.UTC),  # a year of three digits
    dt.datetime(2026, 3, 5, 7, 8),  # naive
    dt.date(2026, 3, 5),
    dt.date(987, 11, 30),
    None,
    "",
    "2026-03-05",
]
FORMATS = ["Y-m-d H:i", "Y-m-d", "c", "Y-m", "m-d H:i", "DATE_FORMAT", None]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Seoul", "America/St_Johns"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_filter_prints_what_djangos_prints(zone, fmt):
    source = "{{ v|date }}" if fmt is None else "{{ v|date:'" + fmt + "' }}"
    django = Engine(builtins=[])  # Django's own filters only
    ours = Engine(builtins=["dangol.core.templatetags.fast_date"])
    with timezone.override(ZoneInfo(zone)):
        for value in VALUES:
            assert _outcome(ours, source, value) == _outcome(django, source, value), value
            assert _outcome(None, fmt, value, fast_date) == _outcome(None, fmt, value), value


def _outcome(engine, source, value, call=django_date):
    """Return the rendered text, or the error raised (a date with a time format raises)."""
    try:
        if engine is None:
            return call(value, source)
        return engine.from_string(source).render(Context({"v": value}))
    except TypeError as exc:
        return ("TypeError", str(exc))


def test_the_pages_use_this_filter():
    assert Template("{{ v|date:'c' }}").render(Context({"v": dt.date(2026, 3, 5)})) == (
        "2026-03-05"
    )
    compiled = Template("{{ v|date:'Y-m-d' }}").nodelist[0].filter_expression.filters[0][0]
    assert compiled is fast_date
