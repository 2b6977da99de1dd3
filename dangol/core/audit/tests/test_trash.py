"""Soft delete: the trash hides records from lists, search and the API; restore and purge."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from dangol.catalog.tests.factories import ProductFactory
from dangol.core.audit.errors import ConflictError, PermissionDeniedError
from dangol.core.audit.models import AuditEntry
from dangol.core.audit.selectors import trash_list
from dangol.core.audit.services import record_purge, record_restore, record_trash
from dangol.customers.models import Customer
from dangol.customers.selectors import CustomerFilters, customer_list, customer_search_condition
from dangol.customers.services import customer_create
from dangol.sales.pipeline_selectors import opportunity_get, pipeline_board
from dangol.sales.pipeline_services import opportunity_create
from dangol.sales.selectors import order_count_for_customer, order_list
from dangol.sales.services import OrderLineInput, order_create
from dangol.service.selectors import ticket_list
from dangol.service.services import ticket_open

pytestmark = pytest.mark.django_db


def page_ids(page):
    return [item.pk for item in page.items]


def test_a_trashed_customer_leaves_the_list_search_and_api_and_comes_back(admin_user, client):
    kept = customer_create(actor=admin_user, name="Kept Kim", email="kept@example.test")
    gone = customer_create(actor=admin_user, name="Gone Kim", email="gone@example.test")
    record_trash(instance=gone, actor=admin_user)
    assert gone.deleted_at is not None
    assert page_ids(customer_list(user=admin_user)) == [kept.pk]
    assert page_ids(customer_list(user=admin_user, query="Kim")) == [kept.pk]
    assert page_ids(customer_list(user=admin_user, query="gone@example.test")) == []
    assert page_ids(
        customer_list(user=admin_user, query="Kim", filters=CustomerFilters(status="lead"))
    ) == [kept.pk]
    exported = Customer.objects.filter(customer_search_condition("Kim"), deleted_at__isnull=True)
    assert list(exported.values_list("pk", flat=True)) == [kept.pk]
    client.force_login(admin_user)
    listed = client.get(reverse("api:customer_list")).json()
    assert [row["id"] for row in listed["results"]] == [kept.pk]
    # The record itself is still readable (its page shows a banner with Restore).
    assert client.get(reverse("customers:detail", args=[gone.pk])).status_code == 200
    record_restore(instance=gone, actor=admin_user)
    assert page_ids(customer_list(user=admin_user)) == [gone.pk, kept.pk]
    actions = AuditEntry.objects.filter(object_id=gone.pk, content_type__model="customer")
    assert list(actions.order_by("seq").values_list("action", flat=True)) == [
        "create",
        "delete",
        "restore",
    ]


def test_trashing_bumps_the_version_so_a_stale_editor_is_told(admin_user):
    customer = customer_create(actor=admin_user, name="Versioned")
    record_trash(instance=customer, actor=admin_user)
    assert customer.version == 2


@pytest.fixture
def records(admin_user, sales):
    customer = customer_create(actor=admin_user, name="Buyer", owner=sales)
    order = order_create(
        actor=admin_user,
        customer=customer,
        number="T-1",
        channel="online",
        lines=[OrderLineInput(product=ProductFactory(), quantity=1, unit_price=Decimal("500"))],
    )
    ticket = ticket_open(
        actor=admin_user, customer=customer, subject="Help", body="Please", channel="phone"
    )
    opportunity = opportunity_create(
        actor=sales,
        customer=customer,
        name="Deal",
        amount=100,
        expected_close=dt.date(2026, 12, 1),
        channel="field",
    )
    return customer, order, ticket, opportunity


def test_trashed_orders_tickets_and_opportunities_leave_their_lists(admin_user, records):
    customer, order, ticket, opportunity = records
    for instance in (order, ticket, opportunity):
        record_trash(instance=instance, actor=admin_user)
    assert page_ids(order_list(user=admin_user)) == []
    assert order_count_for_customer(customer=customer) == 0
    assert page_ids(ticket_list(user=admin_user)) == []
    assert sum(column.count for column in pipeline_board(user=admin_user)) == 0
    assert opportunity_get(user=admin_user, pk=opportunity.pk).deleted_at is not None
    sections = {s.code: [i.pk for i in s.items] for s in trash_list(user=admin_user)}
    assert sections == {
        "customer": [],
        "order": [order.pk],
        "ticket": [ticket.pk],
        "opportunity": [opportunity.pk],
    }
    for instance in (order, ticket, opportunity):
        record_restore(instance=instance, actor=admin_user)
    assert page_ids(order_list(user=admin_user)) == [order.pk]
    assert page_ids(ticket_list(user=admin_user)) == [ticket.pk]
    assert sum(column.count for column in pipeline_board(user=admin_user)) == 1


def test_sales_reps_cannot_trash_or_see_the_trash(sales, records):
    order = records[1]
    with pytest.raises(PermissionDeniedError):
        record_trash(instance=order, actor=sales)
    assert trash_list(user=sales) == []


def test_a_manager_sees_only_the_trash_of_customers_they_see(manager, other_sales, admin_user):
    theirs = customer_create(actor=admin_user, name="Theirs", owner=other_sales)
    mine = customer_create(actor=admin_user, name="Mine", owner=manager)
    for customer in (theirs, mine):
        record_trash(instance=customer, actor=admin_user)
    sections = {s.code: [i.pk for i in s.items] for s in trash_list(user=manager)}
    assert sections["customer"] == [mine.pk]
    with pytest.raises(PermissionDeniedError):
        record_restore(instance=theirs, actor=manager)


def test_purge_is_for_admins_and_refuses_a_customer_with_orders(admin_user, manager, records):
    customer, _order, ticket, _opportunity = records
    record_trash(instance=customer, actor=admin_user)
    with pytest.raises(PermissionDeniedError):
        record_purge(instance=customer, actor=manager)
    with pytest.raises(ConflictError) as exc:
        record_purge(instance=customer, actor=admin_user)
    assert "cannot be deleted" in exc.value.message
    assert Customer.objects.filter(pk=customer.pk).exists()
    record_trash(instance=ticket, actor=admin_user)
    ticket_id = ticket.pk
    record_purge(instance=ticket, actor=admin_user)
    assert not type(ticket).objects.filter(pk=ticket_id).exists()
    # The history outlives the record.
    purge = AuditEntry.objects.get(
        object_id=ticket_id, content_type__model="ticket", action="purge"
    )
    assert purge.actor == admin_user


def test_only_a_trashed_record_can_be_purged_and_only_once_trashed(admin_user):
    customer = customer_create(actor=admin_user, name="Alone")
    with pytest.raises(ConflictError):
        record_purge(instance=customer, actor=admin_user)
    record_trash(instance=customer, actor=admin_user)
    with pytest.raises(ConflictError):
        record_trash(instance=customer, actor=admin_user)
    record_purge(instance=customer, actor=admin_user)
    assert not Customer.objects.filter(pk=customer.pk).exists()


def test_the_warehouse_keeps_trashed_records_until_they_are_purged(
    admin_user, records, settings, tmp_path
):
    from dangol.analytics.warehouse.connection import warehouse_connect
    from dangol.analytics.warehouse.services import warehouse_refresh

    settings.DATA_DIR = tmp_path
    customer, order, _ticket, _opportunity = records

    def revenue():
        with warehouse_connect() as con:
            return con.execute("SELECT count(*), sum(revenue) FROM fact_sales").fetchone()

    warehouse_refresh(full=True)
    assert revenue() == (1, Decimal("500.00"))
    record_trash(instance=customer, actor=admin_user)
    record_trash(instance=order, actor=admin_user)
    warehouse_refresh()
    assert revenue() == (1, Decimal("500.00"))  # reversible: aggregates do not move
    record_purge(instance=order, actor=admin_user)
    warehouse_refresh()
    assert revenue() == (0, None)
