"""``FastSelect`` renders exactly what Django's select templates render."""

from __future__ import annotations

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from dangol.core.widgets import FastSelect

CHOICES = [
    ("", _("All")),
    ("a", "Plain"),
    ("b&c", 'Quote " and <tag> & amp'),
    (3, "A number value"),
    ("safe", mark_safe("<b>bold</b>")),
]
GROUPED = [
    ("", "None"),
    ("Group <1>", [("x", "Ex"), ("y", "Why")]),
    (_("Region"), [("z", "Zed")]),
]


@pytest.mark.parametrize(
    ("choices", "value", "attrs"),
    [
        (CHOICES, None, None),
        (CHOICES, "", None),
        (CHOICES, "b&c", {"id": "id_f", "class": 'x"y'}),
        (CHOICES, 3, {"id": "id_f", "required": True, "disabled": False}),
        (CHOICES, "missing", {"data-x": 5}),
        (GROUPED, "y", {"id": "id_g"}),
        ([], None, None),
    ],
)
@pytest.mark.parametrize("language", ["en", "ko"])
def test_fast_select_renders_what_the_templates_render(choices, value, attrs, language):
    with override(language):
        expected = forms.Select(choices=choices).render("f<x>", value, attrs=attrs)
        actual = FastSelect(choices=choices).render("f<x>", value, attrs=attrs)
    assert actual == expected
    assert type(actual) is type(expected)


def test_fast_select_in_a_form_renders_like_select():
    class Stock(forms.Form):
        owner = forms.TypedChoiceField(choices=[("", "All"), ("1", "Kim"), ("2", "Lee")])

    class Fast(forms.Form):
        owner = forms.TypedChoiceField(
            choices=[("", "All"), ("1", "Kim"), ("2", "Lee")], widget=FastSelect
        )

    for data in ({}, {"owner": "2"}, {"owner": "bad"}):
        assert str(Fast(data)["owner"]) == str(Stock(data)["owner"])
