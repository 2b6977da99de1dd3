"""Reads of custom-field definitions and of the values they govern."""

from __future__ import annotations

from django.db.models import QuerySet

from dangol.core.customfields.models import CustomFieldDefinition
from dangol.core.customfields.registry import entity_model, safe_key
from dangol.core.prepared import PreparedQuery


def custom_field_definitions(*, entity: str, include_archived: bool = False) -> list:
    """Return ``entity``'s definitions in display order (active only by default)."""
    if not include_archived:
        return _active_definitions(entity)
    return list(CustomFieldDefinition.objects.filter(entity=entity).order_by("order", "id"))


def _active_definitions_query(entity: str) -> QuerySet:
    return CustomFieldDefinition.objects.filter(entity=entity, archived=False).order_by(
        "order", "id"
    )


# Read on every page and API response that shows a record: compiled once per connection
# (core/prepared.py); the rows themselves are read every time, so a change shows at once.
_active_definitions = PreparedQuery(_active_definitions_query)


def custom_field_definition_get(*, pk: int) -> CustomFieldDefinition:
    """Return the definition ``pk`` (raises ``CustomFieldDefinition.DoesNotExist``)."""
    return CustomFieldDefinition.objects.get(pk=pk)


def custom_field_usage_count(*, definition: CustomFieldDefinition) -> int:
    """Return how many records hold a value for ``definition`` (one indexed-free COUNT)."""
    model = entity_model(definition.entity)
    key = safe_key(definition.key)
    return model._base_manager.filter(**{"custom_fields__has_key": key}).count()


def custom_field_values(*, definition: CustomFieldDefinition):
    """Yield ``(pk, value)`` of every record holding a value for ``definition``."""
    model = entity_model(definition.entity)
    key = safe_key(definition.key)
    rows = (
        model._base_manager.filter(**{"custom_fields__has_key": key})
        .values_list("pk", "custom_fields")
        .order_by()
    )
    for pk, values in rows.iterator(chunk_size=5000):
        yield pk, (values or {}).get(key)


def custom_list_columns(
    *, entity: str, definitions: list | None = None
) -> list[CustomFieldDefinition]:
    """Return the active definitions an administrator chose to show as list columns.

    :param definitions: ``entity``'s active definitions when the caller has read them.
    """
    if definitions is None:
        definitions = custom_field_definitions(entity=entity)
    return [d for d in definitions if d.show_in_list]
