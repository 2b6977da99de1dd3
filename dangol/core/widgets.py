"""Form widgets that render without the template engine, for pages under load.

Django renders a ``<select>`` through three templates (the select, then an include of the
option and of the attributes *per option*): on the customer list, whose filter form has
seven selects, that was about a fifth of the page's CPU (docs/performance.md, "Per-request
CPU"). ``FastSelect`` builds the same HTML in Python, byte for byte (a test compares it with
Django's templates), so a page can switch widgets without any visible change.
"""

from __future__ import annotations

from django import forms
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime


def _text(value) -> str:
    """Return ``{{ value }}`` as the template engine prints it (localized, escaped)."""
    if isinstance(value, str | Promise):  # what localization leaves alone: most labels
        return conditional_escape(str(value))
    return conditional_escape(str(localize(template_localtime(value))))


def _attrs(attrs: dict) -> str:
    """Return ``django/forms/widgets/attrs.html`` for ``attrs``."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_text(name)}")
        else:
            # ``|stringformat:'s'`` drops any "safe" mark, so the value is always escaped.
            parts.append(f' {_text(name)}="{escape(str(value))}"')
    return "".join(parts)


class FastSelect(forms.Select):
    """A ``forms.Select`` whose ``render`` skips the template engine (same HTML)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{_text(group_name)}">')
            for option in group_choices:
                out.append(
                    f'\n  <option value="{escape(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{_text(option['label'])}</option>\n"
                )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")  # the form renderer strips the trailing newline
        return mark_safe("".join(out))  # noqa: S308 (every value above is escaped)
