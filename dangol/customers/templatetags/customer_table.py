"""The rows of the customer list's table, written in Python.

The list page prints 25 rows of eight cells and more for custom fields. Through the
template engine each cell is a variable lookup (a dict try, then attributes), a filter and
an escape: a large share of a search request's CPU (docs/performance.md, "Under load").
Here each row is one string built from the same values, escaped the same way.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from dangol.core.customfields.models import CustomFieldDefinition
from dangol.core.template_cache import url_by_id
from dangol.core.templatetags.custom_fields import custom_value
from dangol.customers.models import Customer

register = template.Library()

_NONE = '<span class="muted">—</span>'


def _esc(value) -> str:
    # Django's ``escape`` (html.escape of the text) without its lazy-string wrapper, which
    # cost more than the escaping; safe strings pass as they are, as in a template.
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _or_dash(value) -> str:
    return _esc(value) if value else "—"


class _Rows:
    """What every row of one table shares: the link pattern, the labels, the columns."""

    def __init__(self, columns: list[CustomFieldDefinition]) -> None:
        self.columns = columns
        self.korean = get_language() == "ko"
        self.url = url_by_id("customers:detail")
        self.labels: dict[tuple[str, str], str] = {}

    def label(self, customer: Customer, field: str, empty: str = "") -> str:
        """Return the escaped display of a choice field (``empty`` for none), once per value."""
        key = (field, getattr(customer, field))
        label = self.labels.get(key)
        if label is None:
            display = getattr(customer, f"get_{field}_display")()
            label = self.labels[key] = _esc(display) if display else empty
        return label

    def row(self, customer: Customer) -> str:
        external = (
            f'<div class="muted small">{_esc(customer.external_id)}</div>'
            if customer.external_id
            else ""
        )
        group = customer.customer_group
        if group is None:
            group_cell = _NONE
        else:
            group_cell = _esc(group.name_ko if self.korean and group.name_ko else group.name)
        city = f" · {_esc(customer.city)}" if customer.city else ""
        extra = "".join(f"<td>{_or_dash(custom_value(customer, d))}</td>" for d in self.columns)
        return (
            f'<tr><td><a class="strong" href="{_esc(self.url(customer.pk))}">'
            f"{_esc(customer.name)}</a>{external}</td>"
            f"<td>{self.label(customer, 'kind')}</td>"
            f"<td>{group_cell}</td>"
            f"<td>{self.label(customer, 'region', '—')}{city}</td>"
            f'<td><span class="badge status-{_esc(customer.status)}">'
            f"{self.label(customer, 'status')}</span></td>"
            f"<td>{_or_dash(customer.owner)}</td>"
            f"<td>{_or_dash(customer.email)}</td>"
            f'<td class="nowrap">{_or_dash(customer.phone)}</td>'
            f"{extra}</tr>\n"
        )


@register.simple_tag
def customer_rows(
    customers: Iterable[Customer], columns: Iterable[CustomFieldDefinition]
) -> SafeString:
    """Return the list table's ``<tr>`` rows for ``customers`` with ``columns`` added."""
    rows = _Rows(list(columns))
    # Every value is escaped in ``_Rows.row``; the markup around them is fixed.
    return mark_safe("".join(rows.row(c) for c in customers))  # noqa: S308
