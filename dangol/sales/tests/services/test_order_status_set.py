from __future__ import annotations

import pytest

from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.errors import (
    ConflictError,
    PermissionDeniedError,
    SalesErrorCode,
    ValidationError,
)
from dangol.sales.models import Order
from dangol.sales.services import order_status_set
from dangol.sales.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_status_moves_forward_and_touches_updated_at(sales):
    order = OrderFactory(customer=CustomerFactory(owner=sales), status="pending")
    before = order.updated_at
    order_status_set(actor=sales, order=order, status="paid")
    order_status_set(actor=sales, order=order, status="shipped")
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, order.status) == ("shipped", "shipped")
    assert stored.updated_at > before


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("cancelled", "paid"),
        ("returned", "completed"),
        ("completed", "pending"),
        ("shipped", "paid"),
    ],
)
def test_moves_outside_the_flow_are_rejected(admin_user, current, target):
    order = OrderFactory(status=current)
    with pytest.raises(ValidationError) as err:
        order_status_set(actor=admin_user, order=order, status=target)
    assert (err.value.code, err.value.field) == (SalesErrorCode.INVALID_TRANSITION, "status")
    assert Order.objects.get(pk=order.pk).status == current


def test_unknown_status_is_rejected(admin_user):
    order = OrderFactory(status="pending")
    with pytest.raises(ValidationError) as err:
        order_status_set(actor=admin_user, order=order, status="teleported")
    assert (err.value.code, err.value.field) == (SalesErrorCode.UNKNOWN_STATUS, "status")


def test_same_status_is_a_no_op(admin_user):
    order = OrderFactory(status="paid")
    assert order_status_set(actor=admin_user, order=order, status="paid").status == "paid"


def test_a_stale_order_is_told_instead_of_overwriting(admin_user):
    order = OrderFactory(status="pending")
    stale = Order.objects.get(pk=order.pk)
    order_status_set(actor=admin_user, order=order, status="cancelled")
    with pytest.raises(ConflictError) as err:
        order_status_set(actor=admin_user, order=stale, status="paid")
    assert err.value.code == SalesErrorCode.STATUS_CONFLICT
    assert Order.objects.get(pk=order.pk).status == "cancelled"


def test_a_user_who_cannot_see_the_customer_cannot_change_the_status(sales, other_sales, analyst):
    order = OrderFactory(customer=CustomerFactory(owner=sales), status="pending")
    for actor in (other_sales, analyst):
        with pytest.raises(PermissionDeniedError):
            order_status_set(actor=actor, order=order, status="paid")
    assert Order.objects.get(pk=order.pk).status == "pending"
