"""History of customers, consent, orders, tickets and opportunities, and reverts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dangol.catalog.tests.factories import ProductFactory
from dangol.core.audit.errors import NotFoundError, PermissionDeniedError, ValidationError
from dangol.core.audit.models import AuditEntry
from dangol.core.audit.selectors import record_history
from dangol.core.audit.services import (
    customer_revert,
    opportunity_revert,
    order_revert,
    ticket_revert,
)
from dangol.customers.services import customer_consent_set, customer_create, customer_update
from dangol.sales.errors import ValidationError as SalesValidationError
from dangol.sales.models import PipelineStage
from dangol.sales.pipeline_services import opportunity_create, opportunity_move
from dangol.sales.services import OrderLineInput, order_create, order_status_set
from dangol.service.services import ticket_assign, ticket_open, ticket_priority_set
from dangol.service.tests.factories import QueueFactory

pytestmark = pytest.mark.django_db


def entries(instance):
    return list(
        AuditEntry.objects.filter(
            object_id=instance.pk, content_type__model=instance._meta.model_name
        )
        .order_by("seq")
        .values_list("seq", "action", "actor__username", "changes")
    )


def test_customer_create_update_and_consent_are_recorded_field_by_field(manager):
    customer = customer_create(
        actor=manager, owner=manager, name="Kim Minjun", email="KIM@example.test"
    )
    customer_update(actor=manager, customer=customer, name="Kim Min-jun", city="Suwon")
    customer_consent_set(
        actor=manager, customer=customer, channel="email", granted=True, source="web form"
    )
    rows = entries(customer)
    assert [row[:3] for row in rows] == [
        (1, "create", "manager"),
        (2, "update", "manager"),
        (3, "update", "manager"),
    ]
    assert rows[0][3]["name"] == [None, "Kim Minjun"]
    assert rows[0][3]["email"] == [None, "kim@example.test"]
    assert rows[1][3] == {"name": ["Kim Minjun", "Kim Min-jun"], "city": ["", "Suwon"]}
    assert rows[2][3] == {"consent_email": [False, True]}
    assert AuditEntry.objects.get(object_id=customer.pk, seq=3).note == "web form"


def test_an_update_that_changes_nothing_leaves_no_entry(manager):
    customer = customer_create(actor=manager, owner=manager, name="Lee")
    customer_update(actor=manager, customer=customer, name="Lee")
    assert [row[1] for row in entries(customer)] == ["create"]


def test_a_refused_update_leaves_no_entry(sales, other_sales):
    customer = customer_create(actor=sales, name="Park")
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the point is the log
        customer_update(actor=other_sales, customer=customer, name="Choi")
    assert [row[1] for row in entries(customer)] == ["create"]


def test_history_rows_show_labels_names_and_choice_labels(manager, sales):
    customer = customer_create(actor=manager, owner=manager, name="Jung", status="lead")
    customer_update(actor=manager, customer=customer, status="customer", owner=sales)
    rows = record_history(instance=customer)
    assert rows[0].actor == "manager"
    changed = {change.label: (change.old, change.new) for change in rows[0].changes}
    assert changed == {"Lifecycle status": ("Lead", "Customer"), "Owner": ("manager", "sales")}
    assert rows[0].entry.seq == 2 and rows[1].entry.action == "create"


def test_customer_revert_restores_exact_values_and_bumps_the_version(manager):
    customer = customer_create(
        actor=manager,
        owner=manager,
        name="Han",
        email="han@example.test",
        birth_date=dt.date(1990, 5, 1),
    )
    customer_consent_set(actor=manager, customer=customer, channel="sms", granted=True, source="x")
    customer_update(
        actor=manager, customer=customer, name="Han Seo", email="", birth_date=None, city="Busan"
    )
    customer_consent_set(actor=manager, customer=customer, channel="sms", granted=False, source="y")
    version_before = customer.version
    customer = customer_revert(instance=customer, version=2, actor=manager)
    customer.refresh_from_db()
    assert (customer.name, customer.email, customer.birth_date, customer.city) == (
        "Han",
        "han@example.test",
        dt.date(1990, 5, 1),
        "",
    )
    assert customer.consent_sms is True
    assert customer.version == version_before + 2  # the fields, then the consent
    last = entries(customer)[-2:]
    assert [row[1] for row in last] == ["revert", "revert"]
    assert last[0][3]["name"] == ["Han Seo", "Han"]
    assert last[1][3] == {"consent_sms": [False, True]}


def test_reverting_to_the_current_values_or_a_missing_version_is_refused(manager):
    customer = customer_create(actor=manager, owner=manager, name="Oh")
    with pytest.raises(ValidationError) as exc:
        customer_revert(instance=customer, version=1, actor=manager)
    assert exc.value.code == "already_current"
    with pytest.raises(NotFoundError):
        customer_revert(instance=customer, version=9, actor=manager)


def test_a_revert_is_checked_against_the_actors_field_rights(manager, service):
    customer = customer_create(actor=manager, owner=manager, name="Yoon")
    customer_update(actor=manager, customer=customer, name="Yoon Ji")
    from dangol.customers.errors import PermissionDeniedError as CustomerDenied

    with pytest.raises(CustomerDenied):
        customer_revert(instance=customer, version=1, actor=service)  # service: contact only
    customer.refresh_from_db()
    assert customer.name == "Yoon Ji"


@pytest.fixture
def product(db):
    return ProductFactory(unit_price=Decimal("1000.00"))


def test_order_status_changes_are_recorded_and_reverted(sales, product):
    customer = customer_create(actor=sales, name="Shop")
    order = order_create(
        actor=sales,
        customer=customer,
        number="A-1",
        channel="online",
        lines=[OrderLineInput(product=product, quantity=2)],
    )
    order_status_set(actor=sales, order=order, status="paid")
    order_status_set(actor=sales, order=order, status="shipped")
    rows = entries(order)
    assert [(r[0], r[1]) for r in rows] == [(1, "create"), (2, "update"), (3, "update")]
    assert rows[1][3] == {"status": ["pending", "paid"]}
    assert rows[2][3] == {"status": ["paid", "shipped"]}
    # Order statuses only move forward: going back to "paid" is refused, nothing written.
    with pytest.raises(SalesValidationError) as exc:
        order_revert(instance=order, version=2, actor=sales)
    assert exc.value.code == "invalid_transition"
    order.refresh_from_db()
    assert order.status == "shipped"
    assert len(entries(order)) == 3
    with pytest.raises(ValidationError) as exc:
        order_revert(instance=order, version=3, actor=sales)
    assert exc.value.code == "already_current"


def test_ticket_changes_are_recorded_and_reverted(service, manager):
    customer = customer_create(actor=manager, owner=manager, name="Caller")
    ticket = ticket_open(
        actor=service, customer=customer, subject="Broken", body="It broke", channel="phone"
    )
    queue = QueueFactory()
    ticket_assign(actor=service, ticket=ticket, assignee=service, queue=queue)
    ticket_priority_set(actor=service, ticket=ticket, priority="urgent")
    rows = entries(ticket)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (1, "create", "service"),
        (2, "update", "service"),
        (3, "update", "service"),
    ]
    assert rows[1][3]["assignee"] == [None, service.pk]
    assert rows[1][3]["queue"] == [None, queue.pk]
    assert rows[2][3]["priority"] == ["normal", "urgent"]
    version = ticket.version
    ticket = ticket_revert(instance=ticket, version=2, actor=service)
    ticket.refresh_from_db()
    assert ticket.priority == "normal"
    assert ticket.version == version + 1
    assert entries(ticket)[-1][1] == "revert"
    assert entries(ticket)[-1][3]["priority"] == ["urgent", "normal"]


def test_opportunity_moves_are_recorded_and_reverted(sales):
    customer = customer_create(actor=sales, name="Fleet Co")
    opportunity = opportunity_create(
        actor=sales,
        customer=customer,
        name="Fleet renewal",
        amount=5_000_000,
        expected_close=dt.date(2026, 12, 20),
        channel="field",
    )
    first = opportunity.stage
    proposal = PipelineStage.objects.get(code="proposal")
    opportunity = opportunity_move(actor=sales, opportunity=opportunity, stage=proposal)
    rows = entries(opportunity)
    assert rows[0][3]["amount"] == [None, "5000000.00"]
    assert rows[1][3] == {"stage": [first.pk, proposal.pk]}
    opportunity = opportunity_revert(instance=opportunity, version=1, actor=sales)
    assert opportunity.stage_id == first.pk
    assert opportunity.version == 3
    assert entries(opportunity)[-1][1:3] == ("revert", "sales")


def test_someone_who_cannot_see_the_record_cannot_revert_it(sales, other_sales):
    customer = customer_create(actor=sales, name="Mine")
    customer_update(actor=sales, customer=customer, name="Mine too")
    from dangol.customers.errors import PermissionDeniedError as CustomerDenied

    with pytest.raises((CustomerDenied, PermissionDeniedError)):
        customer_revert(instance=customer, version=1, actor=other_sales)
