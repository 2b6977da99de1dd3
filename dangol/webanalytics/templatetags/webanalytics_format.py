"""Format a web-analytics report cell by its column kind."""

from __future__ import annotations

import datetime as dt

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

register = template.Library()

CHANNEL_LABELS = {
    "direct": _l("Direct"),
    "search": _l("Search"),
    "social": _l("Social"),
    "campaign": _l("Campaign"),
    "website": _l("Website"),
}


def _signed_percent(value: float) -> str:
    return f"{value * 100:+.1f}%"


@register.simple_tag
def report_cell(row: dict, column) -> str:
    """Return the HTML of ``row``'s value for ``column``."""
    value = row.get(column.key)
    kind = column.kind
    if value is None or (value == "" and kind in ("keyword", "channel")):
        if kind == "keyword":
            return _("(not provided)")
        return "-" if kind not in ("text", "customer") else ""
    if kind == "int":
        return f"{int(value):,}"
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind == "change":
        css = "up" if value > 0 else "down" if value < 0 else ""
        return format_html('<span class="change {}">{}</span>', css, _signed_percent(value))
    if kind == "points":
        css = "up" if value > 0 else "down" if value < 0 else ""
        return format_html(
            '<span class="change {}">{} {}</span>', css, f"{value * 100:+.1f}", _("pp")
        )
    if kind == "seconds":
        return f"{float(value):,.1f} s"
    if kind == "money":
        return f"{float(value):,.0f}"
    if kind == "datetime" and isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    if kind == "customer":
        return format_html('<a href="{}">#{}</a>', reverse("customers:detail", args=[value]), value)
    if kind == "channel":
        return str(CHANNEL_LABELS.get(value, value))
    if kind == "path":
        return format_html("<code>{}</code>", value)
    if kind == "list":
        return format_html_join("", "<div>{}</div>", ((v,) for v in value))
    return str(value)


@register.simple_tag
def report_total(total: dict) -> str:
    """Return a KPI's value formatted."""
    return f"{int(total['value']):,}"


@register.simple_tag
def total_change(total: dict) -> str:
    """Return a KPI's previous value and change, formatted."""
    previous = f"{int(total['prev']):,}"
    if total["change"] is None:
        return format_html("{} {}", _("previous"), previous)
    value = total["change"]
    css = "up" if value > 0 else "down" if value < 0 else ""
    return format_html(
        '{} {} · <span class="change {}">{}</span>',
        _("previous"),
        previous,
        css,
        _signed_percent(value),
    )


@register.filter
def get_item(mapping: dict, key: str):
    """Return ``mapping[key]`` (None when missing)."""
    return mapping.get(key) if isinstance(mapping, dict) else None


CHOICE_LABELS = {
    "day": _l("Day"),
    "week": _l("Week"),
    "month": _l("Month"),
    "channel": _l("Channel"),
    "referrer": _l("Referrer"),
    "campaign": _l("Campaign"),
    "engine": _l("Search engine"),
    "keyword": _l("Keyword"),
    "browser": _l("Browser"),
    "os": _l("Operating system"),
    "device": _l("Device"),
    "screen": _l("Screen resolution"),
    "most": _l("Most viewed first"),
    "least": _l("Least viewed first"),
}


@register.simple_tag
def choice_label(choice: str) -> str:
    """Return the translated label of a report parameter choice."""
    return str(CHOICE_LABELS.get(choice, choice))
