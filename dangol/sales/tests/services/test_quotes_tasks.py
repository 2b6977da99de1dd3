"""Quotes turn into orders with the same lines; tasks remind their owner once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from dangol.accounts.models import Notification
from dangol.catalog.tests.factories import ProductFactory
from dangol.core.errors import PermissionDeniedError, ValidationError
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.models import Order, Quote
from dangol.sales.work_services import (
    QuoteLineInput,
    quote_accept,
    quote_create,
    task_create,
    task_done,
    task_reminders_send,
)

pytestmark = pytest.mark.django_db
NEXT_MONTH = timezone.localdate() + dt.timedelta(days=30)


def test_an_accepted_quote_becomes_an_order_with_its_lines(sales):
    customer = CustomerFactory(owner=sales)
    kettle = ProductFactory(unit_price=Decimal("30000"))
    quote = quote_create(
        actor=sales,
        customer=customer,
        number="QT-1",
        valid_until=NEXT_MONTH,
        lines=[
            QuoteLineInput(product=kettle, quantity=2, discount="5000"),
            QuoteLineInput(product=kettle, quantity=1, unit_price="25000"),
        ],
    )
    order = quote_accept(actor=sales, quote=quote)
    quote.refresh_from_db()
    assert (quote.status, quote.order, order.number) == ("accepted", order, "Q-QT-1")
    assert list(order.lines.order_by("id").values_list("quantity", "unit_price", "discount")) == [
        (2, Decimal("30000.00"), Decimal("5000.00")),
        (1, Decimal("25000.00"), Decimal("0.00")),
    ]
    with pytest.raises(ValidationError, match="already accepted"):
        quote_accept(actor=sales, quote=quote)
    assert Order.objects.count() == 1


def test_bad_quotes_are_refused_whole(sales, other_sales):
    customer = CustomerFactory(owner=sales)
    product = ProductFactory(unit_price=Decimal("100"))
    with pytest.raises(ValidationError, match="discount is larger"):
        quote_create(
            actor=sales,
            customer=customer,
            number="QT-2",
            valid_until=NEXT_MONTH,
            lines=[QuoteLineInput(product=product, quantity=1, discount="500")],
        )
    with pytest.raises(PermissionDeniedError):
        quote_create(
            actor=other_sales,
            customer=customer,
            number="QT-3",
            valid_until=NEXT_MONTH,
            lines=[QuoteLineInput(product=product, quantity=1)],
        )
    expired = quote_create(
        actor=sales,
        customer=customer,
        number="QT-4",
        valid_until=timezone.localdate() - dt.timedelta(days=1),
        lines=[QuoteLineInput(product=product, quantity=1)],
    )
    with pytest.raises(ValidationError, match="expired"):
        quote_accept(actor=sales, quote=expired)
    assert list(Quote.objects.values_list("number", flat=True)) == ["QT-4"]


def test_reminders_go_once_and_not_for_done_tasks(
    sales, settings, django_capture_on_commit_callbacks
):
    # Notification emails are background tasks after commit; run them inline here.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    sales.email, sales.notify_by_email = "sales@dangol.test", True
    sales.save()
    now = timezone.now()
    call = task_create(
        actor=sales,
        title="Call back Kim",
        due_at=now + dt.timedelta(hours=2),
        remind_at=now - dt.timedelta(minutes=1),
    )
    done = task_create(
        actor=sales, title="Old", due_at=now, remind_at=now - dt.timedelta(minutes=5)
    )
    task_done(actor=sales, task=done)
    task_create(
        actor=sales,
        title="Later",
        due_at=now + dt.timedelta(days=2),
        remind_at=now + dt.timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert task_reminders_send(now=now) == 1
        assert task_reminders_send(now=now) == 0
    [message] = mail.outbox
    assert message.to == ["sales@dangol.test"]
    assert message.subject.startswith("Reminder: Call back Kim (due ")
    assert Notification.objects.get(user=sales).kind == "task"
    call.refresh_from_db()
    assert call.reminded_at == now
    with pytest.raises(ValidationError, match="before the task is due"):
        task_create(actor=sales, title="x", due_at=now, remind_at=now + dt.timedelta(hours=1))
