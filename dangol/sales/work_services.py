"""Quotes that turn into orders, and tasks with due dates and reminders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from dangol.accounts.notifications import notification_send
from dangol.core.money import amount_parse
from dangol.customers import permissions as customer_permissions
from dangol.sales.choices import QuoteStatus
from dangol.sales.errors import PermissionDeniedError, SalesErrorCode, ValidationError
from dangol.sales.models import Quote, QuoteLine, Task
from dangol.sales.pipeline_services import can_sell
from dangol.sales.services import OrderLineInput, order_create


@dataclass(frozen=True)
class QuoteLineInput:
    product: Any
    quantity: int
    unit_price: Any = None
    discount: Any = Decimal("0")


def _require_seller_for(actor, customer) -> None:
    if not (can_sell(actor) and customer_permissions.can_see(actor, customer)):
        raise PermissionDeniedError(
            "You may not quote this customer", code=SalesErrorCode.PERMISSION_DENIED
        )


@transaction.atomic
def quote_create(
    *,
    actor,
    customer,
    number: str,
    valid_until: dt.date,
    lines: list[QuoteLineInput],
    opportunity=None,
) -> Quote:
    """Draft a quote with its lines (list prices unless given), checked before writing."""
    _require_seller_for(actor, customer)
    number = " ".join(str(number or "").split())
    if not number or len(number) > 64:
        raise ValidationError(
            "A quote number of 1 to 64 characters is required",
            code=SalesErrorCode.REQUIRED,
            field="number",
        )
    if Quote.objects.filter(number=number).exists():
        raise ValidationError(
            f"Quote number {number!r} is already used",
            code=SalesErrorCode.DUPLICATE_NUMBER,
            field="number",
        )
    if not lines:
        raise ValidationError(
            "A quote needs at least one line", code=SalesErrorCode.NO_LINES, field="lines"
        )
    cleaned = []
    for index, line in enumerate(lines):
        if not isinstance(line.quantity, int) or line.quantity < 1:
            raise ValidationError(
                "Quantity must be a whole number of at least 1",
                code=SalesErrorCode.INVALID_QUANTITY,
                field=f"lines[{index}].quantity",
            )
        price = (
            line.product.unit_price
            if line.unit_price is None
            else amount_parse(line.unit_price, field=f"lines[{index}].unit_price")
        )
        discount = amount_parse(line.discount, field=f"lines[{index}].discount")
        if discount > price * line.quantity:
            raise ValidationError(
                "The discount is larger than the line",
                code=SalesErrorCode.DISCOUNT_TOO_LARGE,
                field=f"lines[{index}].discount",
            )
        cleaned.append((line.product, line.quantity, price, discount))
    quote = Quote.objects.create(
        number=number,
        customer=customer,
        opportunity=opportunity,
        valid_until=valid_until,
        created_by=actor,
    )
    QuoteLine.objects.bulk_create(
        QuoteLine(quote=quote, product=p, quantity=q, unit_price=u, discount=d)
        for p, q, u, d in cleaned
    )
    return quote


@transaction.atomic
def quote_accept(*, actor, quote: Quote, channel: str = "field_sales"):
    """Turn an accepted quote into an order with the same lines and prices; return the order.

    :raises ValidationError: the quote expired, or was already accepted or rejected.
    """
    quote = Quote.objects.select_for_update().select_related("customer").get(pk=quote.pk)
    _require_seller_for(actor, quote.customer)
    if quote.status in (QuoteStatus.ACCEPTED, QuoteStatus.REJECTED):
        raise ValidationError(
            f"This quote is already {quote.status}",
            code=SalesErrorCode.INVALID_TRANSITION,
            field="status",
        )
    if quote.valid_until < timezone.localdate():
        raise ValidationError(
            "This quote has expired", code=SalesErrorCode.INVALID_TRANSITION, field="valid_until"
        )
    order = order_create(
        actor=actor,
        customer=quote.customer,
        number=f"Q-{quote.number}",
        channel=channel,
        lines=[
            OrderLineInput(
                product=line.product,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
            )
            for line in quote.lines.select_related("product").order_by("id")
        ],
    )
    quote.status = QuoteStatus.ACCEPTED
    quote.order = order
    quote.save(update_fields=["status", "order", "updated_at"])
    return order


@transaction.atomic
def task_create(
    *,
    actor,
    title: str,
    due_at: dt.datetime,
    owner=None,
    customer=None,
    opportunity=None,
    remind_at: dt.datetime | None = None,
    note: str = "",
) -> Task:
    """Create a task for ``owner`` (default: the actor) with an optional reminder time."""
    title = " ".join(str(title or "").split())
    if not title:
        raise ValidationError("A task needs a title", code=SalesErrorCode.REQUIRED, field="title")
    if customer is not None and not customer_permissions.can_see(actor, customer):
        raise PermissionDeniedError(
            "You may not plan work on this customer", code=SalesErrorCode.PERMISSION_DENIED
        )
    if remind_at is not None and remind_at > due_at:
        raise ValidationError(
            "The reminder must come before the task is due",
            code=SalesErrorCode.INVALID,
            field="remind_at",
        )
    return Task.objects.create(
        title=title[:200],
        owner=owner or actor,
        customer=customer,
        opportunity=opportunity,
        due_at=due_at,
        remind_at=remind_at,
        note=str(note or "")[:10_000],
    )


@transaction.atomic
def task_done(*, actor, task: Task) -> Task:
    if task.owner_id != actor.pk and not can_sell(actor):
        raise PermissionDeniedError(
            "Only the owner may complete this task", code=SalesErrorCode.PERMISSION_DENIED
        )
    if task.done_at is None:
        task.done_at = timezone.now()
        task.save(update_fields=["done_at", "updated_at"])
    return task


def task_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Notify each owner whose open task's reminder time has come; each reminder once.

    In the app always, by email for those who opted in (``notification_send``).

    Run by the worker's sweep. The row is claimed (``reminded_at`` set) before the email
    goes, so two workers never remind twice.
    """
    now = now or timezone.now()
    sent = 0
    due = Task.objects.filter(
        done_at__isnull=True, reminded_at__isnull=True, remind_at__lte=now
    ).select_related("owner")
    for task in due.iterator(chunk_size=200):
        if not Task.objects.filter(pk=task.pk, reminded_at__isnull=True).update(reminded_at=now):
            continue
        due = timezone.localtime(task.due_at)
        notification_send(
            user=task.owner,
            kind="task",
            text=f"Reminder: {task.title} (due {due:%Y-%m-%d %H:%M})",
            url=f"/customers/{task.customer_id}/" if task.customer_id else "",
        )
        sent += 1
    return sent
