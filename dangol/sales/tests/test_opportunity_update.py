"""opportunity_update: the fields it changes, who may change them, and stale versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dangol.core.audit.models import AuditEntry
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.errors import ConflictError, PermissionDeniedError, ValidationError
from dangol.sales.models import Opportunity
from dangol.sales.pipeline_services import (
    opportunity_create,
    opportunity_update,
    pipeline_stages_ensure,
)

pytestmark = pytest.mark.django_db


def _opportunity(actor, customer):
    pipeline_stages_ensure()
    return opportunity_create(
        actor=actor,
        customer=customer,
        name="Deal",
        amount="100",
        expected_close=dt.date(2030, 1, 1),
        channel="field",
    )


def test_changes_the_fields_and_bumps_the_version(admin_user, manager):
    opportunity = _opportunity(admin_user, CustomerFactory())
    opportunity_update(
        actor=admin_user,
        opportunity=opportunity,
        expected_version=1,
        name="  Bigger   deal ",
        amount="2500.50",
        expected_close=dt.date(2030, 6, 30),
        owner=manager,
        channel="internet",
    )
    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert (stored.name, stored.amount, stored.expected_close, stored.owner_id, stored.channel) == (
        "Bigger deal",
        Decimal("2500.50"),
        dt.date(2030, 6, 30),
        manager.pk,
        "internet",
    )
    assert stored.version == 2
    assert AuditEntry.objects.filter(object_id=opportunity.pk, action="update").count() == 1


def test_refuses_bad_values_and_unknown_fields(admin_user, analyst):
    opportunity = _opportunity(admin_user, CustomerFactory())
    cases = [
        ({"amount": "-1"}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"expected_close": "2030-01-01"}, "expected_close"),
        ({"channel": "pigeon"}, "channel"),
        ({"owner": analyst}, "owner"),
        ({"name": "  "}, "name"),
        ({"stage": "won"}, "stage"),
    ]
    for changes, field in cases:
        with pytest.raises(ValidationError) as caught:
            opportunity_update(actor=admin_user, opportunity=opportunity, **changes)
        assert caught.value.field == field
    assert Opportunity.objects.get(pk=opportunity.pk).version == 1


def test_a_salesperson_keeps_their_own_and_sees_conflicts(sales, other_sales):
    opportunity = _opportunity(sales, CustomerFactory(owner=sales))
    with pytest.raises(PermissionDeniedError):
        opportunity_update(actor=sales, opportunity=opportunity, owner=other_sales)
    with pytest.raises(PermissionDeniedError):
        opportunity_update(actor=other_sales, opportunity=opportunity, amount="5")
    with pytest.raises(ConflictError):
        opportunity_update(actor=sales, opportunity=opportunity, expected_version=7, amount="5")
    assert Opportunity.objects.get(pk=opportunity.pk).amount == Decimal("100.00")
