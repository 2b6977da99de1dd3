"""Serialize read responses without building a DRF serializer per request.

A DRF serializer deep-copies its declared fields on every instantiation (a few dozen
field objects for a customer) and then walks them per object. For the read endpoints
under load (docs/performance.md, "Per-request CPU") that copy was the larger part of the
serialization. ``output_data`` walks the same field objects, bound once per serializer
class, and calls the same ``get_attribute`` and ``to_representation``, so the JSON is
the same (a test compares them). Only serializers made of plain fields take this path:
their representation depends on the value alone, not on the request or the parent.
Anything else (nested serializers, method fields) goes through DRF as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

# Field types whose to_representation reads only the value and the field's own settings.
PLAIN_FIELDS = (
    serializers.BooleanField,
    serializers.CharField,
    serializers.ChoiceField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.DecimalField,
    serializers.EmailField,
    serializers.FloatField,
    serializers.IntegerField,
    serializers.SlugField,
    serializers.URLField,
    serializers.UUIDField,
)

_plans: dict[type, list | None] = {}
_lock = threading.Lock()


def _plan(serializer_class: type[serializers.Serializer]) -> list | None:
    """Return the readable fields of ``serializer_class``, bound once, or ``None``."""
    try:
        return _plans[serializer_class]
    except KeyError:
        pass
    fields = [f for f in serializer_class().fields.values() if not f.write_only]
    plain = all(
        (type(f) in PLAIN_FIELDS or hasattr(f, "representation_for_call")) and f.source != "*"
        for f in fields
    )
    with _lock:
        _plans[serializer_class] = fields if plain else None
    return _plans[serializer_class]


def _converters(fields: list) -> list[tuple[str, Callable, Callable]]:
    # A field that keeps state while it serializes (the custom fields' definitions) gives
    # a fresh converter per call; the shared field object itself is never changed.
    out = []
    for f in fields:
        per_call = getattr(f, "representation_for_call", None)
        out.append((f.field_name, f.get_attribute, per_call() if per_call else f.to_representation))
    return out


def _one(converters, instance) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, get, convert in converters:
        try:
            attribute = get(instance)
        except SkipField:
            continue
        check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        out[name] = None if check is None else convert(attribute)
    return out


def output_data(
    serializer_class: type[serializers.Serializer],
    instance: Any,
    *,
    many: bool = False,
    context: dict | None = None,
) -> Any:
    """Return ``serializer_class(instance, many=many, context=context).data``, faster."""
    fields = _plan(serializer_class)
    if fields is None:
        return serializer_class(instance, many=many, context=context or {}).data
    converters = _converters(fields)
    if many:
        items: Iterable = instance
        return [_one(converters, item) for item in items]
    return _one(converters, instance)
