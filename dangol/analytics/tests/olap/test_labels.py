"""People's names for dimension codes and the number formats of the pivot table."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from dangol.analytics.olap.labels import format_value, value_labeller


@pytest.mark.django_db
def test_codes_get_their_translated_names_and_unknown_codes_stay():
    dims = ["gender", "value_tier", "rfm_segment", "age_band", "channel", "category_l1"]
    label = value_labeller(dims)
    row = ["female", "top", "cannot_lose", "60+", "call_center", "Food"]

    assert [label(i, code) for i, code in enumerate(row)] == [
        "Female",
        "Top 20%",
        "Cannot lose",
        "60 and over",
        "Call center",
        "Food",
    ]
    assert label(0, "") == "(none)"
    assert label(2, "some_new_segment") == "some_new_segment"
    with translation.override("ko"):
        korean = value_labeller(["gender"])
        assert korean(0, "female") != "Female"


def test_numbers_are_grouped_money_has_no_decimals_and_change_is_a_percentage():
    assert format_value("revenue", Decimal("1234567.50")) == "1,234,568"
    assert format_value("customers", 1234) == "1,234"
    assert format_value("aov", Decimal("15333.33")) == "15,333"
    assert format_value("revenue_change", Decimal("-5500.00")) == "-5,500"
    assert format_value("orders_change", 3) == "+3"
    assert format_value("revenue_change_pct", Decimal("12.25")) == "+12.3%"
    assert format_value("revenue_change_pct", Decimal("-55.00")) == "-55.0%"
    assert format_value("revenue_change_pct", None) is None
