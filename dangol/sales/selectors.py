"""Reads of orders: a customer's orders, the order list, one order, all with totals.

Totals are derived from the lines in SQL (``quantity * unit_price - discount``), never
stored, so an edited line can never leave a stale total behind.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from dangol.core.errors import NotFoundError
from dangol.core.pagination import Page, keyset_page_by_id
from dangol.core.prepared import PreparedQuery
from dangol.customers import permissions
from dangol.customers.models import Customer
from dangol.sales.models import Order, OrderLine

MONEY = DecimalField(max_digits=18, decimal_places=2)


def _line_total(prefix: str = "") -> ExpressionWrapper:
    """Return the SQL expression of a line's total (``prefix`` reaches lines via a join)."""
    return ExpressionWrapper(
        F(f"{prefix}quantity") * F(f"{prefix}unit_price") - F(f"{prefix}discount"),
        output_field=MONEY,
    )


def with_totals(queryset: QuerySet) -> QuerySet:
    """Return ``queryset`` of orders annotated with ``total`` and ``line_count``."""
    return queryset.annotate(
        total=Coalesce(Sum(_line_total("lines__")), Value(Decimal("0")), output_field=MONEY),
        line_count=Count("lines"),
    )


def _visible_orders(user) -> QuerySet:
    """Return the orders whose customer ``user`` may see.

    Roles that see every customer get no filter at all (no subquery over a million
    customers); the others get ``customer_id IN (visible customer ids)``.
    """
    orders = Order.objects.filter(deleted_at__isnull=True)  # the trash is not listed
    if permissions.visibility_filter(user) is None:
        return orders
    visible = permissions.restrict_visible(Customer.objects.all(), user)
    return orders.filter(customer__in=visible.values("pk"))


def _attach_totals(orders: list[Order]) -> None:
    """Set ``total`` and ``line_count`` on ``orders`` with one grouped query."""
    if not orders:
        return
    rows = (
        OrderLine.objects.filter(order_id__in=[o.pk for o in orders])
        .values("order_id")
        .annotate(total=Sum(_line_total()), line_count=Count("id"))
    )
    by_order = {row["order_id"]: row for row in rows}
    for order in orders:
        row = by_order.get(order.pk)
        order.total = row["total"] if row else Decimal("0")
        order.line_count = row["line_count"] if row else 0


def order_list_for_customer(*, customer: Customer, limit: int = 50) -> list[Order]:
    """Return the latest ``limit`` orders of ``customer``, newest first, with totals.

    The caller has already checked that the customer is visible (``customer_get``).
    """
    if limit == CUSTOMER_ORDERS_LIMIT:
        return _latest_orders_of_customer(customer.pk)
    return list(_latest_orders_query(customer.pk, limit))


CUSTOMER_ORDERS_LIMIT = 50


def _latest_orders_query(customer_id: int, limit: int = CUSTOMER_ORDERS_LIMIT) -> QuerySet:
    queryset = with_totals(Order.objects.filter(customer_id=customer_id, deleted_at__isnull=True))
    return queryset.order_by("-ordered_at", "-id")[:limit]


# The 360 page's orders: compiled once per connection (core/prepared.py).
_latest_orders_of_customer = PreparedQuery(_latest_orders_query)


def order_count_for_customer(*, customer: Customer) -> int:
    """Return how many orders ``customer`` has placed."""
    return Order.objects.filter(customer=customer, deleted_at__isnull=True).count()


def order_list_and_count_for_customer(*, customer: Customer) -> tuple[list[Order], int]:
    """Return the latest orders of ``customer`` (as ``order_list_for_customer``) and their count.

    A customer with fewer orders than the list's limit has them all in the list, so they
    are counted without a second query.
    """
    orders = order_list_for_customer(customer=customer)
    if len(orders) < CUSTOMER_ORDERS_LIMIT:
        return orders, len(orders)
    return orders, order_count_for_customer(customer=customer)


def order_list(
    *,
    user,
    customer_id: int | None = None,
    status: str = "",
    after: int | None = None,
    before: int | None = None,
    size: int = 25,
) -> Page:
    """Return a page of the orders ``user`` may see, newest first, with totals.

    The page is found on the primary key alone and the totals are added for its rows
    only, so a deep page costs the same as the first.
    """
    queryset = _visible_orders(user)
    if customer_id is not None:
        queryset = queryset.filter(customer_id=customer_id)
    if status:
        queryset = queryset.filter(status=status)
    page = keyset_page_by_id(
        queryset.select_related("customer"), size=size, after=after, before=before
    )
    _attach_totals(page.items)
    return page


def order_get(*, user, pk: int) -> Order:
    """Return order ``pk`` with its lines (each with ``line_total``) and ``total``.

    Raise ``NotFoundError`` when it does not exist or its customer is not visible to
    ``user``; both look the same so ids cannot be probed.
    """
    order = (
        with_totals(Order.objects.select_related("customer", "customer__owner"))
        .filter(pk=pk)
        .first()
    )
    if order is None or not permissions.can_see(user, order.customer):
        raise NotFoundError("No such order")
    order.line_items = list(
        order.lines.select_related("product").annotate(line_total=_line_total()).order_by("id")
    )
    return order
