"""Migrations keep data across an upgrade and can be reversed, on both databases.

The test walks the real migration graph with ``MigrationExecutor``: back to each domain
app's first migration, data written with the historical models, forward to the latest
state; then the customers app (whose 0002 runs vendor-specific SQL: FTS5 on SQLite,
pg_trgm on PostgreSQL) all the way to zero and forward again. It always leaves the test
database at the latest state, even when it fails half-way, and with the rows it found
(the role groups, content types and permissions the migrations wrote) put back, so that
the transactional tests after it start from the same database as the ones before it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dangol.accounts.tests.factories import UserFactory
from dangol.catalog.models import Product
from dangol.customers.models import Customer
from dangol.customers.selectors import customer_list
from dangol.sales.models import Order
from dangol.touchpoints.models import Interaction

pytestmark = pytest.mark.django_db(transaction=True)

DOMAIN_APPS = ("customers", "catalog", "sales", "touchpoints")
ORDERED_AT = dt.datetime(2025, 12, 24, 18, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def database_as_found(django_db_setup, django_db_blocker):
    """Put back the database's rows after the flush that ends a transactional test.

    Module scope makes this tear down after that flush. Without it the role groups
    (a data migration) would be gone for every transactional test that runs later.
    """
    with django_db_blocker.unblock():
        snapshot = connection.creation.serialize_db_to_string()
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(snapshot)


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    """Migrate to ``targets`` and return a fresh executor that sees the result."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _first_migrations() -> list[tuple[str, str]]:
    graph = MigrationExecutor(connection).loader.graph
    return [graph.root_nodes(app)[0] for app in DOMAIN_APPS]


def _write_with_historical_models(apps) -> None:
    """Write one of everything the way a 0001-era deployment stored it."""
    user = apps.get_model("accounts", "User").objects.create(username="mig-owner")
    group = apps.get_model("customers", "CustomerGroup").objects.create(
        code="wholesale", name="Wholesale", name_ko="도매"
    )
    Customer0 = apps.get_model("customers", "Customer")
    company = Customer0.objects.create(kind="company", name="Hanbit Foods", external_id="ERP-C1")
    person = Customer0.objects.create(
        kind="person",
        name="Kim Minjun",
        email="minjun.kim@example.test",
        phone="010-1234-5678",
        phone_digits="01012345678",
        external_id="ERP-P1",
        company=company,
        customer_group=group,
        owner=user,
        consent_sms=True,
        custom_fields={"loyalty_card": "A-77"},
        version=3,
    )
    apps.get_model("customers", "ConsentEvent").objects.create(
        customer=person, channel="sms", granted=True, source="store form"
    )
    Category0 = apps.get_model("catalog", "Category")
    dairy = Category0.objects.create(name="Dairy", path="Dairy", depth=0)
    milk = Category0.objects.create(parent=dairy, name="Milk", path="Dairy > Milk", depth=1)
    product = apps.get_model("catalog", "Product").objects.create(
        sku="MILK-1L", name="Milk 1L", category=milk, unit_price="2980", unit_cost="2100.50"
    )
    order = apps.get_model("sales", "Order").objects.create(
        number="ORD-2025-1",
        customer=person,
        ordered_at=ORDERED_AT,
        channel="store",
        status="completed",
    )
    apps.get_model("sales", "OrderLine").objects.create(
        order=order, product=product, quantity=3, unit_price="2980", discount="940"
    )
    order_type, _ = apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="sales", model="order"
    )
    apps.get_model("touchpoints", "Interaction").objects.create(
        customer=person,
        channel="store_visit",
        direction="inbound",
        subject="Order ORD-2025-1 placed",
        occurred_at=ORDERED_AT,
        user=user,
        subject_type=order_type,
        subject_id=order.pk,
    )


def _assert_data_survived() -> None:
    person = Customer.objects.select_related("company", "customer_group", "owner").get(
        external_id="ERP-P1"
    )
    assert (
        person.name,
        person.email,
        person.phone_digits,
        person.company.name,
        person.customer_group.name_ko,
        person.owner.username,
        person.consent_sms,
        person.custom_fields,
        person.version,
    ) == (
        "Kim Minjun",
        "minjun.kim@example.test",
        "01012345678",
        "Hanbit Foods",
        "도매",
        "mig-owner",
        True,
        {"loyalty_card": "A-77"},
        3,
    )
    assert list(person.consent_events.values_list("channel", "granted", "source")) == [
        ("sms", True, "store form")
    ]
    product = Product.objects.select_related("category__parent").get(sku="MILK-1L")
    assert (product.category.path, product.category.parent.path, product.unit_cost) == (
        "Dairy > Milk",
        "Dairy",
        Decimal("2100.50"),
    )
    order = Order.objects.get(number="ORD-2025-1")
    line = order.lines.get()
    assert (order.customer_id, order.ordered_at, line.total) == (
        person.pk,
        ORDERED_AT,
        Decimal("8000.00"),
    )
    interaction = Interaction.objects.get()
    assert (interaction.customer_id, interaction.concerns) == (person.pk, order)


def _search_finds(term: str) -> list[str]:
    root = UserFactory(username=f"root-{term}", is_superuser=True, is_staff=True)
    return [c.name for c in customer_list(user=root, query=term, size=10).items]


def test_data_survives_the_upgrade_and_customers_migrate_down_and_up(database_as_found):
    try:
        executor = _migrate(_first_migrations())
        applied = executor.loader.applied_migrations
        assert ("customers", "0002_search_indexes") not in applied
        _write_with_historical_models(executor.loader.project_state(_first_migrations()).apps)

        _migrate(_latest())
        _assert_data_survived()
        # The search index of customers 0002 was built over the rows already there.
        assert _search_finds("minju") == ["Kim Minjun"]

        executor = _migrate([("customers", None)])
        assert not any(app == "customers" for app, _ in executor.loader.applied_migrations)
        tables = set(connection.introspection.table_names())
        assert {"customers_customer", "customers_customer_fts", "sales_order"}.isdisjoint(tables)

        _migrate(_latest())
        Customer.objects.create(name="Park Jihoon", email="jihoon@example.test")
        assert _search_finds("jihoo") == ["Park Jihoon"]
    finally:
        _migrate(_latest())
    assert MigrationExecutor(connection).migration_plan(_latest()) == []
