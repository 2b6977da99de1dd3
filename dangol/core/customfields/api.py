"""The API's ``custom_fields`` object: typed from the definitions, in data and schema.

The OpenAPI schema is generated from the definitions at schema-generation time (the
extension below), so a field an administrator adds appears in ``/api/v1/openapi.json``
with its type and choices without a deploy.
"""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from dangol.core.api.fields import storable_json
from dangol.core.customfields.models import CustomFieldType
from dangol.core.customfields.selectors import custom_field_definitions
from dangol.core.customfields.validation import TEXT_MAX, InvalidValue, money_parse


def output_value(definition, value: Any) -> Any:
    """Return a stored value as the API shows it (money as a two-place decimal string)."""
    if definition.field_type == CustomFieldType.MONEY and value is not None:
        try:
            return str(money_parse(value))
        except InvalidValue:
            return None
    return value


class CustomFieldsField(serializers.DictField):
    """The custom fields of one record type: an object of keys to typed values.

    As output it shows the active fields' values; as input it takes an object of keys to
    values (``null`` clears one), which the services validate (``custom_fields_clean``).
    """

    def __init__(self, *, entity: str, **kwargs: Any) -> None:
        self.entity = entity
        kwargs.setdefault("child", serializers.JSONField())
        kwargs.setdefault("validators", [storable_json])
        super().__init__(**kwargs)

    def _definitions(self) -> list:
        # One query per serializer (a page of records shares the list child's field).
        if getattr(self, "_cached", None) is None:
            self._cached = custom_field_definitions(entity=self.entity)
        return self._cached

    def to_representation(self, value):
        return _represent(self._definitions(), value)

    def representation_for_call(self):
        """Return a ``to_representation`` for one response (``dangol.core.api.read``).

        The definitions are read once per response, on first use, and kept in the
        returned function rather than on this field, which is shared between requests.
        """
        definitions: list = []

        def represent(value):
            if not definitions:
                definitions.append(custom_field_definitions(entity=self.entity))
            return _represent(definitions[0], value)

        return represent


def _represent(definitions: list, value) -> dict[str, Any]:
    values = value or {}
    return {d.key: output_value(d, values[d.key]) for d in definitions if d.key in values}


def _value_schema(definition, direction: str) -> dict[str, Any]:
    kind = definition.field_type
    if kind == CustomFieldType.TEXT:
        schema: dict[str, Any] = {"type": "string", "maxLength": TEXT_MAX}
    elif kind == CustomFieldType.NUMBER:
        schema = {"type": "number"}
    elif kind == CustomFieldType.MONEY:
        schema = {"type": "string", "format": "decimal", "pattern": r"^-?\d{0,12}(?:\.\d{0,2})?$"}
    elif kind == CustomFieldType.DATE:
        schema = {"type": "string", "format": "date"}
    elif kind == CustomFieldType.CHOICE:
        schema = {"type": "string", "enum": definition.choice_values}
    elif kind == CustomFieldType.MULTICHOICE:
        schema = {
            "type": "array",
            "items": {"type": "string", "enum": definition.choice_values},
            "uniqueItems": True,
        }
    elif kind == CustomFieldType.BOOLEAN:
        schema = {"type": "boolean"}
    else:  # user, customer: ids
        schema = {"type": "integer", "minimum": 1}
    schema["title"] = definition.label
    description = definition.help_text or ""
    if kind == CustomFieldType.USER:
        description = (description + " " if description else "") + "The id of an active staff user."
    elif kind == CustomFieldType.CUSTOMER:
        description = (description + " " if description else "") + "The id of a customer."
    if description:
        schema["description"] = description
    if direction == "request" or not definition.required:
        schema["nullable"] = True
    return schema


def custom_fields_schema(entity: str, direction: str) -> dict[str, Any]:
    """Return the OpenAPI schema of ``entity``'s ``custom_fields`` object, from the definitions."""
    try:
        definitions = custom_field_definitions(entity=entity)
    except (DatabaseError, RuntimeError):
        # No database to read at schema-generation time (a static schema build, a test
        # collecting the schema without database access): describe the object generally.
        return {
            "type": "object",
            "description": "Custom fields an administrator defined (Settings > Custom fields).",
            "additionalProperties": True,
        }
    return {
        "type": "object",
        "description": "Custom fields an administrator defined (Settings > Custom fields).",
        "properties": {d.key: _value_schema(d, direction) for d in definitions},
        "additionalProperties": False,
    }


class CustomFieldsFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "dangol.core.customfields.api.CustomFieldsField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return custom_fields_schema(self.target.entity, direction)
