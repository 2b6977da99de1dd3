from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dangol.core.errors import NotFoundError
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales import selectors
from dangol.sales.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _order_with_lines(customer, number, *lines, days_ago=0, status="completed"):
    order = OrderFactory(
        customer=customer,
        number=number,
        status=status,
        ordered_at=timezone.now() - timedelta(days=days_ago),
    )
    for quantity, price, discount in lines:
        OrderLineFactory(
            order=order,
            quantity=quantity,
            unit_price=Decimal(price),
            discount=Decimal(discount),
        )
    return order


def test_order_list_for_customer_totals_are_summed_in_sql_newest_first(sales):
    customer = CustomerFactory(owner=sales)
    _order_with_lines(customer, "A-1", (2, "1500.00", "0"), (1, "999.50", "99.50"), days_ago=5)
    _order_with_lines(customer, "A-2", (3, "100.00", "50.00"), days_ago=1)
    _order_with_lines(customer, "A-3", days_ago=3)  # no lines yet
    _order_with_lines(CustomerFactory(), "OTHER-1", (1, "5.00", "0"))

    orders = selectors.order_list_for_customer(customer=customer)

    assert [(o.number, o.total, o.line_count) for o in orders] == [
        ("A-2", Decimal("250.00"), 1),
        ("A-3", Decimal("0"), 0),
        ("A-1", Decimal("3900.00"), 2),
    ]
    assert selectors.order_count_for_customer(customer=customer) == 3


def test_order_list_for_customer_respects_limit(sales):
    customer = CustomerFactory(owner=sales)
    for i in range(4):
        _order_with_lines(customer, f"L-{i}", (1, "10", "0"), days_ago=i)

    orders = selectors.order_list_for_customer(customer=customer, limit=2)

    assert [o.number for o in orders] == ["L-0", "L-1"]


def test_order_list_and_count_counts_the_list_when_it_holds_every_order(
    sales, django_assert_num_queries
):
    customer = CustomerFactory(owner=sales)
    for i in range(3):
        _order_with_lines(customer, f"C-{i}", (1, "10", "0"), days_ago=i)
    gone = _order_with_lines(customer, "GONE", days_ago=9)
    type(gone).objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    selectors.order_list_and_count_for_customer(customer=customer)  # compile once

    with django_assert_num_queries(1):
        orders, count = selectors.order_list_and_count_for_customer(customer=customer)
    assert ([o.number for o in orders], count) == (["C-0", "C-1", "C-2"], 3)

    limit = selectors.CUSTOMER_ORDERS_LIMIT
    for i in range(3, limit + 2):
        _order_with_lines(customer, f"C-{i}", days_ago=i)
    with django_assert_num_queries(2):  # a full list: the orders beyond it are counted
        orders, count = selectors.order_list_and_count_for_customer(customer=customer)
    assert (len(orders), orders[-1].number, count) == (limit, f"C-{limit - 1}", limit + 2)


def test_order_list_shows_only_orders_of_visible_customers(sales, other_sales, manager, analyst):
    mine = _order_with_lines(CustomerFactory(owner=sales), "MINE", (1, "10", "0"))
    theirs = _order_with_lines(CustomerFactory(owner=other_sales), "THEIRS", (2, "7", "1"))
    unowned = _order_with_lines(CustomerFactory(owner=None), "NOBODY")

    def numbers(user):
        return [o.number for o in selectors.order_list(user=user).items]

    assert numbers(sales) == ["MINE"]
    assert numbers(other_sales) == ["THEIRS"]
    assert numbers(manager) == ["MINE"]  # same team as `sales`
    assert numbers(analyst) == [unowned.number, theirs.number, mine.number]
    page = selectors.order_list(user=other_sales)
    assert (page.items[0].total, page.items[0].line_count) == (Decimal("13.00"), 1)


def test_order_list_keyset_pages_forward_and_back(admin_user):
    customer = CustomerFactory()
    orders = [_order_with_lines(customer, f"K-{i}", (1, "10", "0")) for i in range(5)]
    newest_first = [o.number for o in reversed(orders)]

    first = selectors.order_list(user=admin_user, size=2)
    second = selectors.order_list(user=admin_user, size=2, after=first.next_cursor)
    third = selectors.order_list(user=admin_user, size=2, after=second.next_cursor)
    back = selectors.order_list(user=admin_user, size=2, before=second.prev_cursor)

    assert [o.number for o in first.items] == newest_first[:2]
    assert [o.number for o in second.items] == newest_first[2:4]
    assert [o.number for o in third.items] == newest_first[4:]
    assert third.has_next is False
    assert [o.number for o in back.items] == newest_first[:2]
    assert all(o.total == Decimal("10.00") for o in second.items)


def test_order_list_filters_by_customer_and_status(admin_user):
    customer = CustomerFactory()
    _order_with_lines(customer, "S-1", status="cancelled")
    _order_with_lines(customer, "S-2")
    _order_with_lines(CustomerFactory(), "S-3")

    by_customer = selectors.order_list(user=admin_user, customer_id=customer.pk)
    cancelled = selectors.order_list(user=admin_user, status="cancelled")

    assert [o.number for o in by_customer.items] == ["S-2", "S-1"]
    assert [o.number for o in cancelled.items] == ["S-1"]


def test_order_get_returns_lines_with_totals(sales):
    order = _order_with_lines(
        CustomerFactory(owner=sales), "G-1", (2, "1500.00", "100.00"), (1, "250.00", "0")
    )

    got = selectors.order_get(user=sales, pk=order.pk)

    assert [(line.quantity, line.line_total) for line in got.line_items] == [
        (2, Decimal("2900.00")),
        (1, Decimal("250.00")),
    ]
    assert got.total == Decimal("3150.00")
    assert got.line_count == 2


def test_order_get_hides_orders_of_invisible_customers(sales, other_sales):
    order = _order_with_lines(CustomerFactory(owner=other_sales), "H-1", (1, "10", "0"))

    with pytest.raises(NotFoundError):
        selectors.order_get(user=sales, pk=order.pk)
    with pytest.raises(NotFoundError):
        selectors.order_get(user=sales, pk=order.pk + 1000)
    assert selectors.order_get(user=other_sales, pk=order.pk).number == "H-1"
