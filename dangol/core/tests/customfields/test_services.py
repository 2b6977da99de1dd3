from __future__ import annotations

import pytest

from dangol.core.customfields.errors import PermissionDeniedError, ValidationError
from dangol.core.customfields.models import CustomFieldDefinition
from dangol.core.customfields.selectors import custom_field_usage_count
from dangol.core.customfields.services import (
    ConfirmationRequired,
    custom_field_create,
    custom_field_delete,
    custom_field_update,
)
from dangol.customers.models import Customer
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _values(*customers):
    return [Customer.objects.get(pk=c.pk).custom_fields for c in customers]


def test_only_administrators_define_fields(manager):
    with pytest.raises(PermissionDeniedError):
        custom_field_create(actor=manager, entity="customer", key="x", label="X", field_type="text")
    assert CustomFieldDefinition.objects.count() == 0


@pytest.mark.parametrize("key", ["Bad", "1abc", "a-b", "a" * 41, "", "x y"])
def test_keys_are_slugs(admin_user, key):
    with pytest.raises(ValidationError) as caught:
        custom_field_create(
            actor=admin_user, entity="customer", key=key, label="X", field_type="text"
        )
    assert caught.value.field == "key"


def test_key_is_unique_per_entity_and_never_changes(admin_user):
    field = custom_field_create(
        actor=admin_user, entity="customer", key="size", label="Size", field_type="text"
    )
    custom_field_create(
        actor=admin_user, entity="product", key="size", label="Size", field_type="text"
    )
    with pytest.raises(ValidationError) as caught:
        custom_field_create(
            actor=admin_user, entity="customer", key="size", label="Other", field_type="number"
        )
    assert caught.value.code == "duplicate_custom_field_key"

    custom_field_update(actor=admin_user, definition=field, label="Company size", label_ko="규모")
    with pytest.raises(ValidationError):
        custom_field_update(actor=admin_user, definition=field, key="renamed")
    field.refresh_from_db()
    assert (field.key, field.label, field.label_ko) == ("size", "Company size", "규모")


def test_choice_field_needs_choices(admin_user):
    with pytest.raises(ValidationError) as caught:
        custom_field_create(
            actor=admin_user, entity="customer", key="c", label="C", field_type="choice"
        )
    assert caught.value.field == "choices"


def test_delete_without_confirmation_keeps_values(customer_fields, admin_user):
    level = customer_fields["level"]
    a = CustomerFactory(custom_fields={"level": "gold", "note": "n"})
    b = CustomerFactory(custom_fields={"level": "silver"})
    CustomerFactory(custom_fields={"note": "only a note"})

    for typed in ("", "wrong", "Level"):
        with pytest.raises(ConfirmationRequired) as caught:
            custom_field_delete(actor=admin_user, definition=level, confirmation=typed)
        assert caught.value.affected == 2

    assert _values(a, b) == [{"level": "gold", "note": "n"}, {"level": "silver"}]
    assert CustomFieldDefinition.objects.filter(pk=level.pk).exists()


def test_confirmed_delete_removes_values_set_based(customer_fields, admin_user):
    level = customer_fields["level"]
    a = CustomerFactory(custom_fields={"level": "gold", "note": "n"})
    b = CustomerFactory(custom_fields={"level": "silver"})
    c = CustomerFactory(custom_fields={"note": "only a note"})

    removed = custom_field_delete(actor=admin_user, definition=level, confirmation="level")

    assert removed == 2
    assert _values(a, b, c) == [{"note": "n"}, {}, {"note": "only a note"}]
    assert not CustomFieldDefinition.objects.filter(pk=level.pk).exists()


def test_removing_a_choice_in_use_needs_confirmation(customer_fields, admin_user):
    level = customer_fields["level"]
    a = CustomerFactory(custom_fields={"level": "gold"})
    b = CustomerFactory(custom_fields={"level": "silver"})

    with pytest.raises(ConfirmationRequired) as caught:
        custom_field_update(actor=admin_user, definition=level, choices=["gold|Gold"])
    assert caught.value.affected == 1
    assert "1 stored values of Level would no longer be valid" in caught.value.message
    assert _values(a, b) == [{"level": "gold"}, {"level": "silver"}]

    custom_field_update(actor=admin_user, definition=level, choices=["gold|Gold"], confirm=True)

    assert _values(a, b) == [{"level": "gold"}, {}]
    level.refresh_from_db()
    assert level.choice_values == ["gold"]


def test_type_change_converts_what_fits_and_asks_for_the_rest(customer_fields, admin_user):
    note = customer_fields["note"]
    a = CustomerFactory(custom_fields={"note": "42"})
    b = CustomerFactory(custom_fields={"note": "forty"})

    with pytest.raises(ConfirmationRequired) as caught:
        custom_field_update(actor=admin_user, definition=note, field_type="number")
    assert caught.value.affected == 1
    note.refresh_from_db()
    assert note.field_type == "text"

    custom_field_update(actor=admin_user, definition=note, field_type="number", confirm=True)

    assert _values(a, b) == [{"note": 42}, {}]
    assert custom_field_usage_count(definition=note) == 1


def test_type_change_without_invalid_values_needs_no_confirmation(customer_fields, admin_user):
    visits = customer_fields["visits"]
    a = CustomerFactory(custom_fields={"visits": 7})

    custom_field_update(actor=admin_user, definition=visits, field_type="text")

    assert _values(a) == [{"visits": "7"}]
