"""Every app's latest migration reverses and re-applies with data in the database.

``test_migrations.py`` takes the domain apps from their first schema to the latest with
data; this one covers the other end for every Dangol app: with rows written through the
services in every table a deployment uses, each app in turn is taken one migration back
(with the latest migrations of other apps that depend on it; an app whose step back would
reach below another app's latest migration is left to the from-the-start walk), then
forward again, and the rows must be
the same afterwards (counts and checksums of the tables the reversed migrations did not
create). The accounts app goes back to before ``0006_notification_dedupe`` (the
notifications' dedupe key) and forward.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dangol.accounts.security.lockout import login_failure_record
from dangol.accounts.security.totp import totp_enrol_start
from dangol.core.backup import table_checksums
from dangol.core.tests.test_migrations import database_as_found
from dangol.customers.tests.factories import CustomerFactory
from dangol.marketing.tests.factories import CampaignFactory
from dangol.sales.pipeline_services import opportunity_create, pipeline_stages_ensure
from dangol.sales.tests.factories import OrderFactory, OrderLineFactory
from dangol.service.services import ticket_open

pytestmark = pytest.mark.django_db(transaction=True)

__all__ = ["database_as_found"]

DANGOL_APPS = (
    "accounts",
    "core",
    "customers",
    "catalog",
    "sales",
    "touchpoints",
    "analytics",
    "marketing",
    "service",
    "portal",
    "webanalytics",
    "automation",
    "integration",
)


def _world(users) -> None:
    sales, admin = users["sales"], users["admin"]
    pipeline_stages_ensure()  # an earlier transactional test may have flushed the seed rows
    customer = CustomerFactory(name="Mig customer", owner=sales, email="m@x.test")
    order = OrderFactory(customer=customer)
    OrderLineFactory(order=order, quantity=2, unit_price=Decimal("1500"))
    opportunity_create(
        actor=sales,
        customer=customer,
        name="Mig deal",
        amount=1000,
        expected_close=dt.date(2030, 1, 1),
        channel="field",
    )
    ticket_open(actor=admin, customer=customer, subject="Mig", body="Body", channel="email")
    CampaignFactory()
    login_failure_record(username="someone", address="10.0.0.1")
    totp_enrol_start(user=sales)


def _leaves() -> dict[str, str]:
    graph = MigrationExecutor(connection).loader.graph
    return {app: name for app, name in graph.leaf_nodes()}


def test_each_apps_latest_migration_reverses_and_reapplies_keeping_the_data(
    database_as_found, users_by_role
):
    _world({role.value: user for role, user in users_by_role.items()})
    leaves = _leaves()
    stepped: list[str] = []
    cascading: list[str] = []
    try:
        for app in [a for a in DANGOL_APPS if a in leaves]:  # some have none yet
            executor = MigrationExecutor(connection)
            graph = executor.loader.graph
            node = (app, leaves[app])
            parents = [p for p in graph.node_map[node].parents if p[0] == app]
            target = parents[0] if parents else (app, None)
            plan = executor.migration_plan([target])
            if any(leaves[m.app_label] != m.name for m, _backwards in plan):
                # Going back would cascade below other apps' latest migrations (into seed
                # data migrations): that is test_migrations.py's from-the-start walk.
                cascading.append(app)
                continue
            stepped.append(app)
            before = table_checksums()
            created = set()
            for migration, backwards in plan:
                assert backwards
                for operation in migration.operations:
                    name = getattr(operation, "name", "")
                    if operation.__class__.__name__ == "CreateModel":
                        created.add(f"{migration.app_label}_{name.lower()}")
            executor.migrate([target])
            executor = MigrationExecutor(connection)
            executor.migrate(list(_leaves().items()))
            after = table_checksums()
            kept = {
                t: v for t, v in before.items() if t not in created and t != "django_migrations"
            }
            assert {t: after.get(t) for t in kept} == kept, app
            if app == "accounts":
                assert target == ("accounts", "0005_security")
    finally:
        MigrationExecutor(connection).migrate(list(_leaves().items()))
    assert MigrationExecutor(connection).migration_plan(list(_leaves().items())) == []
    assert "accounts" in stepped
    assert len(stepped) >= len(DANGOL_APPS) // 2, (stepped, cascading)
