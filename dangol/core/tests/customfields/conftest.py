"""Fixtures of the custom-field tests: a definition of each type on customers."""

from __future__ import annotations

import pytest

from dangol.core.customfields.services import custom_field_create


@pytest.fixture
def customer_fields(admin_user):
    """Define one customer field of every type (keys named after the type)."""
    choices = [
        {"value": "gold", "label": "Gold", "label_ko": "골드"},
        {"value": "silver", "label": "Silver", "label_ko": "실버"},
    ]
    specs = [
        ("note", "Note", "text", {}),
        ("visits", "Visits", "number", {}),
        ("credit", "Credit", "money", {}),
        ("joined", "Joined", "date", {}),
        ("level", "Level", "choice", {"choices": choices}),
        ("tags", "Tags", "multichoice", {"choices": choices}),
        ("vip", "VIP", "boolean", {}),
        ("rep", "Account rep", "user", {}),
        ("referrer", "Referred by", "customer", {}),
    ]
    return {
        key: custom_field_create(
            actor=admin_user, entity="customer", key=key, label=label, field_type=kind, **extra
        )
        for key, label, kind, extra in specs
    }
