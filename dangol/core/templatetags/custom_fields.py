"""Template helpers for custom fields: a record's value, and the panel of a detail page."""

from __future__ import annotations

from django import template

from dangol.core.customfields.models import CustomFieldDefinition
from dangol.core.customfields.selectors import custom_field_definitions
from dangol.core.customfields.validation import value_display

register = template.Library()


@register.filter
def custom_value(record, definition: CustomFieldDefinition) -> str:
    """Return ``record``'s value of ``definition`` as people read it ('' when unset)."""
    values = getattr(record, "custom_fields", None) or {}
    return value_display(definition, values.get(definition.key))


@register.inclusion_tag("core/customfields/_panel.html")
def custom_fields_panel(record, entity: str, edit_url: str = "") -> dict:
    """Render the active custom fields of ``record`` as a definition list."""
    values = getattr(record, "custom_fields", None) or {}
    rows = [
        (d.display_label, value_display(d, values.get(d.key)))
        for d in custom_field_definitions(entity=entity)
    ]
    return {"rows": rows, "edit_url": edit_url}
