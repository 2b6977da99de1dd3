"""``FastDisplayMixin`` gives the labels Django's own ``get_<field>_display`` gives."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.utils.translation import override

from dangol.core.models import FastDisplayMixin


def _choice_fields():
    for model in apps.get_models():
        if not issubclass(model, FastDisplayMixin):
            continue
        for field in model._meta.concrete_fields:
            if field.choices:
                yield model, field


def test_some_models_use_the_mixin():
    names = {f"{m.__name__}.{f.name}" for m, f in _choice_fields()}
    assert {"Customer.status", "Order.channel", "CustomerScore.value_tier"} <= names


@pytest.mark.parametrize("language", ["en", "ko"])
def test_labels_match_djangos_for_every_value_and_an_unknown_one(language):
    checked = 0
    with override(language):
        for model, field in _choice_fields():
            values = [value for value, _label in field.flatchoices] + ["no-such-value", None]
            for value in values:
                obj = model()
                setattr(obj, field.attname, value)
                fast = getattr(obj, f"get_{field.name}_display")()
                slow = models.Model._get_FIELD_display(obj, field)
                assert fast == slow, (model, field.name, value)
                assert type(fast) is type(slow)
                checked += 1
    assert checked > 50
