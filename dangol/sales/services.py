"""Writes to orders. Every caller (UI, admin, API, imports) goes through here.

An order is written whole or not at all: every field and line is checked before the
first row is written. Placing an order adds an entry to the customer's timeline after
the transaction commits, through the touchpoints service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from dangol.accounts.roles import Role, user_role
from dangol.automation.events import automation_event_on_commit
from dangol.catalog.models import Product
from dangol.core.audit.recording import audit_record, audit_snapshot
from dangol.core.money import amount_parse
from dangol.customers import permissions
from dangol.integration.webhooks.services import webhook_record_emit
from dangol.sales.choices import OrderStatus, SalesChannel
from dangol.sales.errors import (
    ConflictError,
    PermissionDeniedError,
    SalesErrorCode,
    ValidationError,
)
from dangol.sales.models import Order, OrderLine
from dangol.touchpoints.choices import Direction, InteractionChannel

ROLES_WRITING_ORDERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES})
NUMBER_MAX = Order._meta.get_field("number").max_length
QUANTITY_MAX = 2_147_483_647  # PositiveIntegerField's range on every database

# The timeline channel an order placed on each sales channel shows up as.
TIMELINE_CHANNEL = {
    SalesChannel.ONLINE: InteractionChannel.WEB,
    SalesChannel.STORE: InteractionChannel.STORE_VISIT,
    SalesChannel.CALL_CENTER: InteractionChannel.PHONE,
    SalesChannel.FIELD_SALES: InteractionChannel.FIELD_VISIT,
    # Partner orders arrive through the partner's system, i.e. electronically.
    SalesChannel.PARTNER: InteractionChannel.WEB,
}

# Where an order may go from each status. Cancelled and returned are final; a store sale
# may go straight from pending to completed.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PENDING: frozenset(
        {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.CANCELLED}
    ),
    OrderStatus.PAID: frozenset(
        {OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.CANCELLED}
    ),
    OrderStatus.SHIPPED: frozenset({OrderStatus.COMPLETED, OrderStatus.RETURNED}),
    OrderStatus.COMPLETED: frozenset({OrderStatus.RETURNED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.RETURNED: frozenset(),
}


@dataclass(frozen=True)
class OrderLineInput:
    """One line of an order to be placed.

    ``unit_price`` defaults to the product's current list price; ``discount`` is the
    amount taken off the whole line (not per unit).
    """

    product: Product
    quantity: int
    unit_price: Decimal | int | str | None = None
    discount: Decimal | int | str = Decimal("0")


def can_write_orders(user, customer) -> bool:
    """Return whether ``user`` may place or change orders of ``customer``."""
    return user_role(user) in ROLES_WRITING_ORDERS and permissions.can_see(user, customer)


def _require_writer(actor, customer) -> None:
    # ``None`` is the system (imports, the demo generator), which may write any order.
    if actor is not None and not can_write_orders(actor, customer):
        raise PermissionDeniedError(
            "You may not place or change orders of this customer",
            code=SalesErrorCode.PERMISSION_DENIED,
        )


def _amount(value: Any, *, field: str) -> Decimal:
    """Return ``value`` as an order amount (see ``dangol.core.money.amount_parse``)."""
    code = SalesErrorCode.INVALID_AMOUNT
    return amount_parse(value, field=field, invalid_code=code, negative_code=code)


def _choice(value: Any, choices, *, field: str, code: SalesErrorCode) -> str:
    if value not in choices.values:
        raise ValidationError(
            f"Unknown {field} {value!r}; expected one of {', '.join(choices.values)}",
            code=code,
            field=field,
        )
    return str(value)


def _clean_line(index: int, line: OrderLineInput) -> OrderLine:
    """Return an unsaved ``OrderLine`` for ``line`` or raise naming the line and field."""
    prefix = f"lines[{index}]"
    if not isinstance(line, OrderLineInput):
        raise ValidationError(
            f"{prefix} must be an OrderLineInput", code=SalesErrorCode.INVALID, field=prefix
        )
    if not isinstance(line.product, Product) or line.product.pk is None:
        raise ValidationError(
            f"{prefix}: a saved product is required",
            code=SalesErrorCode.REQUIRED,
            field=f"{prefix}.product",
        )
    quantity = line.quantity
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise ValidationError(
            f"{prefix}: the quantity must be a whole number above zero, got {quantity!r}",
            code=SalesErrorCode.INVALID_QUANTITY,
            field=f"{prefix}.quantity",
        )
    if quantity > QUANTITY_MAX:
        raise ValidationError(
            f"{prefix}: the quantity {quantity} is too large",
            code=SalesErrorCode.INVALID_QUANTITY,
            field=f"{prefix}.quantity",
        )
    unit_price = line.product.unit_price if line.unit_price is None else line.unit_price
    unit_price = _amount(unit_price, field=f"{prefix}.unit_price")
    discount = _amount(line.discount, field=f"{prefix}.discount")
    gross = quantity * unit_price
    if discount > gross:
        raise ValidationError(
            f"{prefix}: the discount {discount} is more than the line's value {gross}",
            code=SalesErrorCode.DISCOUNT_TOO_LARGE,
            field=f"{prefix}.discount",
        )
    return OrderLine(
        product=line.product, quantity=quantity, unit_price=unit_price, discount=discount
    )


def _clean_time(value: Any) -> dt.datetime:
    if value is None:
        return timezone.now()
    if not isinstance(value, dt.datetime):
        raise ValidationError(
            "ordered_at must be a date and time", code=SalesErrorCode.INVALID, field="ordered_at"
        )
    # A naive time (an import without offsets) is read in the site's time zone.
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _log_order_placed(*, actor, order: Order) -> None:
    """Add "Order N placed" to the customer's timeline (runs after commit)."""
    from dangol.touchpoints.services import interaction_log

    interaction_log(
        actor=actor,
        customer=order.customer,
        channel=TIMELINE_CHANNEL[SalesChannel(order.channel)],
        direction=Direction.INBOUND,
        subject=gettext("Order %(number)s placed") % {"number": order.number},
        occurred_at=order.ordered_at,
        concerns=order,
    )


@transaction.atomic
def order_create(
    *,
    actor,
    customer,
    number: str,
    channel: str,
    lines: list[OrderLineInput],
    status: str = OrderStatus.PENDING,
    ordered_at: dt.datetime | None = None,
) -> Order:
    """Place an order with its lines on behalf of ``actor`` and return it.

    :param actor: a staff user (admin, manager or sales who can see the customer), or
        ``None`` for the system (imports).
    :param number: the order number, unique across all orders.
    :param channel: a ``SalesChannel`` value; ``status`` an ``OrderStatus`` value.
    :param lines: at least one ``OrderLineInput``.
    :param ordered_at: when it was ordered; now when omitted.
    :raises PermissionDeniedError: the actor may not write orders of this customer.
    :raises ValidationError: a field or line is malformed (``field`` names it, e.g.
        ``lines[1].discount``); nothing is written.
    """
    if customer is None or getattr(customer, "pk", None) is None:
        raise ValidationError(
            "A saved customer is required", code=SalesErrorCode.REQUIRED, field="customer"
        )
    _require_writer(actor, customer)
    number = str(number or "").strip()
    if not number:
        raise ValidationError(
            "An order needs a number", code=SalesErrorCode.REQUIRED, field="number"
        )
    if len(number) > NUMBER_MAX:
        raise ValidationError(
            f"The order number is longer than {NUMBER_MAX} characters",
            code=SalesErrorCode.TOO_LONG,
            field="number",
        )
    channel = _choice(channel, SalesChannel, field="channel", code=SalesErrorCode.UNKNOWN_CHANNEL)
    status = _choice(status, OrderStatus, field="status", code=SalesErrorCode.UNKNOWN_STATUS)
    ordered_at = _clean_time(ordered_at)
    if not lines:
        raise ValidationError(
            "An order needs at least one line", code=SalesErrorCode.NO_LINES, field="lines"
        )
    rows = [_clean_line(index, line) for index, line in enumerate(lines)]
    if Order.objects.filter(number=number).exists():
        raise ValidationError(
            f"The order number {number!r} is already used",
            code=SalesErrorCode.DUPLICATE_NUMBER,
            field="number",
        )
    order = Order(
        number=number, customer=customer, ordered_at=ordered_at, channel=channel, status=status
    )
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError as exc:
        # Another writer took the number between the check and the insert.
        raise ValidationError(
            f"The order number {number!r} is already used",
            code=SalesErrorCode.DUPLICATE_NUMBER,
            field="number",
        ) from exc
    for row in rows:
        row.order = order
    OrderLine.objects.bulk_create(rows)
    audit_record(instance=order, actor=actor, action="create", before=None)
    webhook_record_emit(event_type="order.created", record=order)
    automation_event_on_commit(entity="order", record_id=order.pk, event="created")
    # Robust: the order is committed by then, so a failing timeline entry is logged
    # rather than turning a placed order into an error for the caller.
    transaction.on_commit(lambda: _log_order_placed(actor=actor, order=order), robust=True)
    return order


@transaction.atomic
def order_status_set(*, actor, order: Order, status: str) -> Order:
    """Move ``order`` to ``status`` and return it.

    Allowed moves are in ``STATUS_TRANSITIONS`` (cancelled and returned are final);
    setting the current status again changes nothing.

    :raises PermissionDeniedError: the actor may not write orders of this customer.
    :raises ValidationError: the status is unknown or not reachable from the current one.
    :raises ConflictError: someone changed the status since ``order`` was read.
    """
    _require_writer(actor, order.customer)
    status = _choice(status, OrderStatus, field="status", code=SalesErrorCode.UNKNOWN_STATUS)
    current = order.status
    if status == current:
        return order
    if status not in STATUS_TRANSITIONS[current]:
        raise ValidationError(
            f"An order that is {current} cannot become {status}",
            code=SalesErrorCode.INVALID_TRANSITION,
            field="status",
        )
    now = timezone.now()
    before = audit_snapshot(order)
    updated = Order.objects.filter(pk=order.pk, status=current).update(
        status=status, updated_at=now
    )
    if updated == 0:
        raise ConflictError(
            "This order's status was changed by someone else; reload it",
            code=SalesErrorCode.STATUS_CONFLICT,
        )
    order.status = status
    order.updated_at = now
    audit_record(instance=order, actor=actor, action="update", before=before)
    return order
