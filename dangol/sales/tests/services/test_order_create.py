from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from dangol.catalog.tests.factories import ProductFactory
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.errors import PermissionDeniedError, SalesErrorCode, ValidationError
from dangol.sales.models import Order, OrderLine
from dangol.sales.services import OrderLineInput, order_create
from dangol.sales.tests.factories import OrderFactory
from dangol.touchpoints.models import Interaction

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 6, 1, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def milk(db):
    return ProductFactory(sku="MILK", unit_price=Decimal("2980.00"))


@pytest.fixture
def bread(db):
    return ProductFactory(sku="BREAD", unit_price=Decimal("4500.00"))


def _place(actor, customer, lines, **overrides):
    fields = {"number": "ORD-1", "channel": "store", "status": "paid", "ordered_at": WHEN}
    fields.update(overrides)
    return order_create(actor=actor, customer=customer, lines=lines, **fields)


def test_order_create_writes_order_and_lines(sales, milk, bread):
    customer = CustomerFactory(owner=sales)
    order = _place(
        sales,
        customer,
        [
            OrderLineInput(product=milk, quantity=2),
            OrderLineInput(product=bread, quantity=1, unit_price="4000", discount="500"),
        ],
        number=" ORD-1 ",
    )
    order = Order.objects.get(pk=order.pk)
    assert (order.number, order.customer_id, order.channel, order.status, order.ordered_at) == (
        "ORD-1",
        customer.pk,
        "store",
        "paid",
        WHEN,
    )
    lines = list(
        OrderLine.objects.filter(order=order)
        .order_by("id")
        .values_list("product__sku", "quantity", "unit_price", "discount")
    )
    assert lines == [
        ("MILK", 2, Decimal("2980.00"), Decimal("0.00")),
        ("BREAD", 1, Decimal("4000.00"), Decimal("500.00")),
    ]
    assert sum(line.total for line in order.lines.all()) == Decimal("9460.00")


def test_placing_an_order_adds_it_to_the_timeline_after_commit(
    sales, milk, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(owner=sales)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True) as calls:
        order = _place(
            sales, customer, [OrderLineInput(product=milk, quantity=1)], channel="call_center"
        )
        assert Interaction.objects.count() == 0  # nothing before the commit
    assert len(calls) == 1
    entry = Interaction.objects.get()
    assert (
        entry.customer_id,
        entry.channel,
        entry.direction,
        entry.subject,
        entry.occurred_at,
        entry.user_id,
        entry.subject_type,
        entry.subject_id,
    ) == (
        customer.pk,
        "phone",
        "inbound",
        "Order ORD-1 placed",
        WHEN,
        sales.pk,
        ContentType.objects.get_for_model(Order),
        order.pk,
    )


@pytest.mark.parametrize(
    ("sales_channel", "timeline_channel"),
    [
        ("online", "web"),
        ("store", "store_visit"),
        ("call_center", "phone"),
        ("field_sales", "field_visit"),
        ("partner", "web"),
    ],
)
def test_timeline_channel_follows_the_sales_channel(
    admin_user, milk, django_capture_on_commit_callbacks, sales_channel, timeline_channel
):
    with django_capture_on_commit_callbacks(execute=True):
        _place(
            admin_user,
            CustomerFactory(),
            [OrderLineInput(product=milk, quantity=1)],
            channel=sales_channel,
        )
    assert Interaction.objects.get().channel == timeline_channel


def test_a_rejected_order_leaves_no_timeline_entry(
    admin_user, milk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as calls, pytest.raises(ValidationError):
        _place(admin_user, CustomerFactory(), [OrderLineInput(product=milk, quantity=0)])
    assert calls == []
    assert Interaction.objects.count() == 0


@pytest.mark.parametrize(
    ("line", "field", "code"),
    [
        ({"quantity": 0}, "lines[1].quantity", SalesErrorCode.INVALID_QUANTITY),
        ({"quantity": -3}, "lines[1].quantity", SalesErrorCode.INVALID_QUANTITY),
        ({"quantity": 1.5}, "lines[1].quantity", SalesErrorCode.INVALID_QUANTITY),
        ({"quantity": True}, "lines[1].quantity", SalesErrorCode.INVALID_QUANTITY),
        ({"quantity": 1, "unit_price": "-1"}, "lines[1].unit_price", SalesErrorCode.INVALID_AMOUNT),
        ({"quantity": 1, "unit_price": "x"}, "lines[1].unit_price", SalesErrorCode.INVALID_AMOUNT),
        ({"quantity": 1, "discount": "-5"}, "lines[1].discount", SalesErrorCode.INVALID_AMOUNT),
        (
            {"quantity": 2, "unit_price": "100", "discount": "200.01"},
            "lines[1].discount",
            SalesErrorCode.DISCOUNT_TOO_LARGE,
        ),
        ({"quantity": 1, "product": None}, "lines[1].product", SalesErrorCode.REQUIRED),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_written(admin_user, milk, line, field, code):
    fields = {"product": milk, **line}
    with pytest.raises(ValidationError) as err:
        _place(
            admin_user,
            CustomerFactory(),
            [OrderLineInput(product=milk, quantity=1), OrderLineInput(**fields)],
        )
    assert (err.value.code, err.value.field) == (code, field)
    assert (Order.objects.count(), OrderLine.objects.count()) == (0, 0)


def test_discount_equal_to_the_line_value_is_allowed(admin_user, milk):
    order = _place(
        admin_user,
        CustomerFactory(),
        [OrderLineInput(product=milk, quantity=2, unit_price="100", discount="200")],
    )
    assert order.lines.get().total == Decimal("0.00")


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"number": "  "}, "number", SalesErrorCode.REQUIRED),
        ({"number": "N" * 65}, "number", SalesErrorCode.TOO_LONG),
        ({"channel": "carrier_pigeon"}, "channel", SalesErrorCode.UNKNOWN_CHANNEL),
        ({"status": "lost"}, "status", SalesErrorCode.UNKNOWN_STATUS),
        ({"ordered_at": "2026-06-01"}, "ordered_at", SalesErrorCode.INVALID),
        ({"lines": []}, "lines", SalesErrorCode.NO_LINES),
    ],
)
def test_a_bad_header_is_named_and_nothing_is_written(admin_user, milk, overrides, field, code):
    lines = overrides.pop("lines", [OrderLineInput(product=milk, quantity=1)])
    with pytest.raises(ValidationError) as err:
        _place(admin_user, CustomerFactory(), lines, **overrides)
    assert (err.value.code, err.value.field) == (code, field)
    assert (Order.objects.count(), OrderLine.objects.count()) == (0, 0)


def test_duplicate_number_is_rejected_and_the_first_order_is_kept(admin_user, milk):
    existing = OrderFactory(number="ORD-1")
    with pytest.raises(ValidationError) as err:
        _place(admin_user, CustomerFactory(), [OrderLineInput(product=milk, quantity=1)])
    assert (err.value.code, err.value.field) == (SalesErrorCode.DUPLICATE_NUMBER, "number")
    assert list(Order.objects.values_list("pk", flat=True)) == [existing.pk]
    assert OrderLine.objects.count() == 0


def test_naive_time_is_read_in_the_site_time_zone(admin_user, milk):
    order = _place(
        admin_user,
        CustomerFactory(),
        [OrderLineInput(product=milk, quantity=1)],
        ordered_at=dt.datetime(2026, 6, 1, 9, 0),  # 09:00 in Seoul is 00:00 UTC
    )
    order.refresh_from_db()
    assert order.ordered_at == dt.datetime(2026, 6, 1, 0, 0, tzinfo=dt.UTC)


def test_who_may_place_orders(sales, other_sales, manager, service, marketing, analyst, milk, team):
    customer = CustomerFactory(owner=sales)
    line = [OrderLineInput(product=milk, quantity=1)]
    for number, actor in enumerate((other_sales, service, marketing, analyst)):
        with pytest.raises(PermissionDeniedError) as err:
            _place(actor, customer, line, number=f"DENIED-{number}")
        assert err.value.code == SalesErrorCode.PERMISSION_DENIED
    assert Order.objects.count() == 0
    _place(manager, customer, line, number="BY-MANAGER")  # same team as the owner
    _place(None, customer, line, number="BY-IMPORT")  # the system
    assert sorted(Order.objects.values_list("number", flat=True)) == ["BY-IMPORT", "BY-MANAGER"]
