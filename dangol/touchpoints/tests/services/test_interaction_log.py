from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.models import Order
from dangol.sales.tests.factories import OrderFactory
from dangol.touchpoints.errors import (
    PermissionDeniedError,
    TouchpointErrorCode,
    ValidationError,
)
from dangol.touchpoints.models import Interaction
from dangol.touchpoints.services import interaction_log

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 5, 4, 10, 30, tzinfo=dt.UTC)


def _log(actor, customer, **overrides):
    fields = {
        "channel": "phone",
        "direction": "inbound",
        "subject": "배송 문의",
        "body": "Asked when the parcel arrives.",
        "occurred_at": WHEN,
        "outcome": "answered",
    }
    fields.update(overrides)
    return interaction_log(actor=actor, customer=customer, **fields)


def test_interaction_log_records_every_field(sales):
    customer = CustomerFactory(owner=sales)
    order = OrderFactory(customer=customer)
    interaction = _log(sales, customer, subject="  배송   문의 ", concerns=order)
    interaction.refresh_from_db()
    assert (
        interaction.customer_id,
        interaction.channel,
        interaction.direction,
        interaction.subject,
        interaction.body,
        interaction.occurred_at,
        interaction.user_id,
        interaction.outcome,
        interaction.subject_type,
        interaction.subject_id,
    ) == (
        customer.pk,
        "phone",
        "inbound",
        "배송 문의",
        "Asked when the parcel arrives.",
        WHEN,
        sales.pk,
        "answered",
        ContentType.objects.get_for_model(Order),
        order.pk,
    )
    assert interaction.concerns == order


def test_system_entry_has_no_user_and_defaults_to_now():
    customer = CustomerFactory()
    before = dt.datetime.now(dt.UTC)
    interaction = interaction_log(
        actor=None, customer=customer, channel="web", direction="inbound", subject="Signed up"
    )
    assert interaction.user_id is None
    assert interaction.occurred_at >= before
    assert (interaction.body, interaction.outcome, interaction.subject_id) == ("", "", None)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("channel", "pigeon", TouchpointErrorCode.UNKNOWN_CHANNEL),
        ("direction", "sideways", TouchpointErrorCode.UNKNOWN_DIRECTION),
        ("subject", "   ", TouchpointErrorCode.REQUIRED),
        ("subject", "s" * 201, TouchpointErrorCode.TOO_LONG),
        ("outcome", "o" * 101, TouchpointErrorCode.TOO_LONG),
        ("occurred_at", "yesterday", TouchpointErrorCode.INVALID),
        ("concerns", "ORD-1", TouchpointErrorCode.INVALID),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(admin_user, field, value, code):
    customer = CustomerFactory()
    with pytest.raises(ValidationError) as err:
        _log(admin_user, customer, **{field: value})
    assert (err.value.code, err.value.field) == (code, field)
    assert Interaction.objects.count() == 0


def test_unsaved_customer_is_rejected(admin_user):
    with pytest.raises(ValidationError) as err:
        _log(admin_user, CustomerFactory.build())
    assert (err.value.code, err.value.field) == (TouchpointErrorCode.REQUIRED, "customer")


def test_roles_follow_the_customer_permissions(sales, other_sales, analyst, service):
    customer = CustomerFactory(owner=sales)
    for actor in (other_sales, analyst):
        with pytest.raises(PermissionDeniedError) as err:
            _log(actor, customer)
        assert err.value.code == TouchpointErrorCode.PERMISSION_DENIED
    assert Interaction.objects.count() == 0
    _log(service, customer)
    assert list(Interaction.objects.values_list("user__username", flat=True)) == ["service"]
