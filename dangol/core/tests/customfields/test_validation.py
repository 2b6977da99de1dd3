from __future__ import annotations

import datetime as dt

import pytest

from dangol.core.customfields.errors import ValidationError
from dangol.core.customfields.services import custom_field_archive, custom_field_update
from dangol.core.customfields.validation import custom_fields_clean
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_values_of_every_type_are_coerced(customer_fields, admin_user):
    referrer = CustomerFactory()

    cleaned = custom_fields_clean(
        entity="customer",
        values={
            "note": "  hello ",
            "visits": "12",
            "credit": "1,234.5",
            "joined": dt.date(2026, 3, 1),
            "level": "gold",
            "tags": ["silver", "gold", "silver"],
            "vip": "yes",
            "rep": str(admin_user.pk),
            "referrer": referrer.pk,
        },
        partial=False,
    )

    assert cleaned == {
        "note": "hello",
        "visits": 12,
        "credit": 1234.5,
        "joined": "2026-03-01",
        "level": "gold",
        "tags": ["silver", "gold"],
        "vip": True,
        "rep": admin_user.pk,
        "referrer": referrer.pk,
    }


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"visits": "many"}, "custom_fields.visits", "Visits: must be a number"),
        (
            {"credit": "1.005"},
            "custom_fields.credit",
            "Credit: may have at most two decimal places",
        ),
        ({"joined": "2026-02-30"}, "custom_fields.joined", "Joined: must be a date (YYYY-MM-DD)"),
        ({"level": "bronze"}, "custom_fields.level", "Level: must be one of: gold, silver"),
        ({"tags": ["gold", "x"]}, "custom_fields.tags", "Tags: must be one of: gold, silver"),
        ({"vip": "maybe"}, "custom_fields.vip", "VIP: must be true or false"),
        (
            {"referrer": 10**12},
            "custom_fields.referrer",
            "Referred by: no customer has id 1000000000000",
        ),
        ({"nope": 1}, "custom_fields.nope", "nope: no such custom field"),
        ({"note": "a\x00b"}, "custom_fields.note", "Note: contains a control character"),
    ],
)
def test_bad_values_name_the_label_and_the_reason(customer_fields, values, field, message):
    with pytest.raises(ValidationError) as caught:
        custom_fields_clean(entity="customer", values=values, partial=True)

    assert caught.value.field == field
    assert caught.value.message == message


def test_inactive_user_is_refused(customer_fields, sales):
    sales.is_active = False
    sales.save()

    with pytest.raises(ValidationError) as caught:
        custom_fields_clean(entity="customer", values={"rep": sales.pk}, partial=True)

    assert caught.value.message == f"Account rep: no active staff user has id {sales.pk}"


def test_required_only_on_a_full_write(customer_fields, admin_user):
    custom_field_update(actor=admin_user, definition=customer_fields["level"], required=True)

    with pytest.raises(ValidationError) as caught:
        custom_fields_clean(entity="customer", values={"note": "x"}, partial=False)
    assert caught.value.message == "Level: is required"
    assert custom_fields_clean(entity="customer", values={"note": "x"}, partial=True) == {
        "note": "x"
    }
    with pytest.raises(ValidationError):
        custom_fields_clean(entity="customer", values={"level": None}, partial=True)


def test_partial_update_merges_and_empty_clears(customer_fields):
    existing = {"note": "a", "visits": 3, "legacy": "kept"}

    cleaned = custom_fields_clean(
        entity="customer", values={"visits": None, "vip": False}, partial=True, existing=existing
    )

    assert cleaned == {"note": "a", "legacy": "kept", "vip": False}


def test_archived_field_keeps_values_but_takes_no_new_ones(customer_fields, admin_user):
    custom_field_archive(actor=admin_user, definition=customer_fields["note"])
    existing = {"note": "old"}

    assert custom_fields_clean(
        entity="customer", values={"note": "old"}, partial=True, existing=existing
    ) == {"note": "old"}
    with pytest.raises(ValidationError) as caught:
        custom_fields_clean(
            entity="customer", values={"note": "new"}, partial=True, existing=existing
        )
    assert caught.value.message == "Note: this field is archived"
