"""Refresh and export of the warehouse against a real demo database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import fcntl
from decimal import Decimal

import duckdb
import pyarrow.parquet as pq
import pytest
from django.db.models import F, Min, Sum
from django.utils import timezone

from dangol.analytics.warehouse import schema
from dangol.analytics.warehouse.connection import (
    warehouse_connect,
    warehouse_current_path,
    warehouse_dir,
)
from dangol.analytics.warehouse.errors import WarehouseBusy, WarehouseMissing
from dangol.analytics.warehouse.services import warehouse_export, warehouse_refresh
from dangol.catalog.models import Product
from dangol.customers.models import Customer, CustomerScore
from dangol.customers.services import customer_update
from dangol.sales.models import Order, OrderLine
from dangol.sales.services import OrderLineInput, order_create
from dangol.touchpoints.models import Interaction

CONTENT_TABLES = [t for t in schema.TABLE_DDL if t != "refresh_state"]


def _snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every row of every content table, in key order."""
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in CONTENT_TABLES}


def _line_sums() -> dict[str, Decimal]:
    return OrderLine.objects.aggregate(
        gross=Sum(F("quantity") * F("unit_price")),
        discount=Sum("discount"),
        cost=Sum(F("quantity") * F("product__unit_cost")),
    )


def test_connect_before_any_refresh_raises(data_dir):
    with pytest.raises(WarehouseMissing):
        warehouse_connect()


def test_full_refresh_matches_the_operational_database(demo):
    top = Customer.objects.order_by("id").first()
    CustomerScore.objects.create(customer=top, value_tier="vip", rfm_segment="champions")
    tricky = Product.objects.create(
        sku="WH,1", name='Milk, "fresh"\nline two', unit_price="1.10", unit_cost="0.05"
    )

    result = warehouse_refresh()

    assert result.mode == "full"
    assert warehouse_current_path() == result.path
    assert result.rows["fact_sales"] == OrderLine.objects.count()
    assert result.rows["dim_customer"] == Customer.objects.count() == 300
    assert result.rows["dim_product"] == Product.objects.count() == 41
    assert result.rows["fact_interactions"] == Interaction.objects.count()
    assert result.rows["refresh_state"] == 1
    sums = _line_sums()
    with warehouse_connect() as con:
        gross, discount, revenue, cost, margin = con.execute(
            "SELECT sum(gross), sum(discount), sum(revenue), sum(cost), sum(margin) FROM fact_sales"
        ).fetchone()
        assert gross == sums["gross"]
        assert discount == sums["discount"]
        assert revenue == sums["gross"] - sums["discount"]
        assert cost == sums["cost"]
        assert margin == revenue - cost
        valid = con.execute("SELECT count(*) FROM fact_sales_valid").fetchone()[0]
        assert (
            valid == OrderLine.objects.exclude(order__status__in=["cancelled", "returned"]).count()
        )
        # ordered_at is local (TIME_ZONE) wall time.
        order = Order.objects.order_by("id").first()
        (ordered_at,) = con.execute(
            "SELECT DISTINCT ordered_at FROM fact_sales WHERE order_id = ?", [order.id]
        ).fetchone()
        assert ordered_at == timezone.localtime(order.ordered_at).replace(tzinfo=None)
        # dim_date covers every fact date without a gap.
        first, last, days = con.execute(
            "SELECT min(date_key), max(date_key), count(*) FROM dim_date"
        ).fetchone()
        assert days == (last - first).days + 1
        assert (
            con.execute(
                "SELECT count(*) FROM fact_sales f "
                "ANTI JOIN dim_date d ON d.date_key = f.order_date"
            ).fetchone()[0]
            == 0
        )
        assert con.execute(
            "SELECT value_tier, rfm_segment FROM dim_customer WHERE customer_id = ?", [top.id]
        ).fetchone() == ("vip", "champions")
        assert (
            con.execute("SELECT count(*) FROM dim_customer WHERE value_tier = ''").fetchone()[0]
            == 299
        )
        first_order = (
            Order.objects.filter(customer=top)
            .exclude(status__in=["cancelled", "returned"])
            .aggregate(first=Min("ordered_at"))["first"]
        )
        expected = timezone.localtime(first_order).date() if first_order else None
        assert (
            con.execute(
                "SELECT first_order_date FROM dim_customer WHERE customer_id = ?", [top.id]
            ).fetchone()[0]
            == expected
        )
        bands = {
            row[0] for row in con.execute("SELECT DISTINCT age_band FROM dim_customer").fetchall()
        }
        assert bands <= set(schema.AGE_BANDS)
        assert (
            con.execute("SELECT count(*) FROM dim_channel WHERE kind = 'sales'").fetchone()[0] == 5
        )
        # Text survives the bulk path: separators, quotes, newlines; '' stays '' (not NULL).
        assert con.execute(
            "SELECT sku, name, category_path, category_l1, unit_price, unit_cost, active "
            "FROM dim_product WHERE product_id = ?",
            [tricky.id],
        ).fetchone() == (
            "WH,1",
            'Milk, "fresh"\nline two',
            "",
            "",
            Decimal("1.10"),
            Decimal("0.05"),
            True,
        )
        nulls = con.execute(
            "SELECT count(*) FROM fact_interactions WHERE outcome IS NULL OR channel IS NULL"
        ).fetchone()[0]
        assert nulls == 0
        nulls = con.execute(
            "SELECT count(*) FROM dim_customer WHERE gender IS NULL OR city IS NULL"
        ).fetchone()[0]
        assert nulls == 0


def test_incremental_refresh_picks_up_exactly_the_changes(demo, admin_user):
    warehouse_refresh()
    customer = Customer.objects.order_by("id")[5]
    customer_update(actor=admin_user, customer=customer, city="강릉")
    product = Product.objects.order_by("id").first()
    order = order_create(
        actor=admin_user,
        customer=customer,
        number="WH-TEST-1",
        channel="online",
        lines=[
            OrderLineInput(product=product, quantity=3, unit_price="1000.50", discount="1.50"),
            OrderLineInput(product=product, quantity=1, unit_price="20"),
        ],
        status="paid",
        ordered_at=dt.datetime(2026, 7, 1, 1, 30, tzinfo=dt.UTC),
    )

    result = warehouse_refresh()

    assert result.mode == "incremental"
    assert result.extracted["customers"] == 1
    assert result.extracted["orders"] == 1
    assert result.extracted["order_lines"] == 2
    assert result.deleted == {"fact_sales": 0, "fact_interactions": 0, "dim_customer": 1}
    with warehouse_connect() as con:
        assert con.execute(
            "SELECT city FROM dim_customer WHERE customer_id = ?", [customer.id]
        ).fetchone() == ("강릉",)
        rows = con.execute(
            "SELECT quantity, gross, discount, revenue, order_date, ordered_at FROM fact_sales "
            "WHERE order_id = ? ORDER BY quantity",
            [order.id],
        ).fetchall()
        assert rows == [
            (
                1,
                Decimal("20.00"),
                Decimal("0.00"),
                Decimal("20.00"),
                dt.date(2026, 7, 1),
                dt.datetime(2026, 7, 1, 10, 30),
            ),
            (
                3,
                Decimal("3001.50"),
                Decimal("1.50"),
                Decimal("3000.00"),
                dt.date(2026, 7, 1),
                dt.datetime(2026, 7, 1, 10, 30),
            ),
        ]
        assert con.execute("SELECT count(*) FROM fact_sales").fetchone()[0] == (
            OrderLine.objects.count()
        )
        assert con.execute("SELECT max(date_key) FROM dim_date").fetchone()[0] == dt.date(
            2026, 7, 1
        )
        before = _snapshot(con)

    again = warehouse_refresh()

    assert again.mode == "incremental"
    assert again.extracted["customers"] == again.extracted["orders"] == 0
    assert again.extracted["order_lines"] == again.extracted["interactions"] == 0
    assert again.deleted == {"fact_sales": 0, "fact_interactions": 0, "dim_customer": 0}
    with warehouse_connect() as con:
        assert _snapshot(con) == before
        assert con.execute("SELECT mode FROM refresh_state ORDER BY refreshed_at").fetchall() == [
            ("full",),
            ("incremental",),
            ("incremental",),
        ]


def test_incremental_refresh_purges_deleted_rows_and_follows_costs(demo):
    warehouse_refresh()
    order = Order.objects.filter(lines__isnull=False).order_by("id").first()
    lines = order.lines.count()
    order.delete()
    interaction = Interaction.objects.order_by("id").first()
    interaction.delete()
    product = Product.objects.order_by("id").first()
    Product.objects.filter(pk=product.pk).update(unit_cost=F("unit_cost") + 1)

    result = warehouse_refresh()

    assert result.deleted["fact_sales"] == lines
    assert result.deleted["fact_interactions"] == 1
    sums = _line_sums()
    with warehouse_connect() as con:
        assert (
            con.execute(
                "SELECT count(*) FROM fact_sales WHERE order_id = ?", [order.pk]
            ).fetchone()[0]
            == 0
        )
        assert con.execute(
            "SELECT sum(cost), sum(revenue) - sum(margin) FROM fact_sales"
        ).fetchone() == (
            sums["cost"],
            sums["cost"],
        )
        assert con.execute("SELECT count(*) FROM fact_interactions").fetchone()[0] == (
            Interaction.objects.count()
        )


def test_a_reader_keeps_its_view_while_a_refresh_switches_files(demo, admin_user):
    warehouse_refresh()
    reader = warehouse_connect()
    old_count = reader.execute("SELECT count(*) FROM fact_sales").fetchone()[0]
    order_create(
        actor=admin_user,
        customer=Customer.objects.order_by("id").first(),
        number="WH-TEST-2",
        channel="store",
        lines=[OrderLineInput(product=Product.objects.order_by("id").first(), quantity=1)],
    )

    result = warehouse_refresh()

    assert reader.execute("SELECT count(*) FROM fact_sales").fetchone()[0] == old_count
    assert reader.execute("SELECT count(*) FROM refresh_state").fetchone()[0] == 1
    reader.close()
    with warehouse_connect() as con:
        assert con.execute("SELECT count(*) FROM fact_sales").fetchone()[0] == old_count + 1
    # Only the current file and the one before it remain.
    warehouse_refresh()
    files = sorted(p.name for p in warehouse_dir().glob("wh-*.duckdb"))
    assert len(files) == 2
    assert result.path.name in files


def test_full_refresh_rebuilds_from_scratch(demo):
    warehouse_refresh()
    calls = []
    result = warehouse_refresh(full=True, progress=lambda *call: calls.append(call))
    assert result.mode == "full"
    assert [name for name, *_ in calls] == list(result.timings)
    assert [done for _, done, _ in calls] == list(range(1, len(calls) + 1))
    assert calls[-1] == ("publish", 10, 10)
    assert result.extracted["order_lines"] == OrderLine.objects.count()
    with warehouse_connect() as con:
        assert con.execute("SELECT mode FROM refresh_state").fetchall() == [("full",)]
        # The OLAP rollups are rebuilt with the facts, so queries can answer from them.
        rollups = con.execute("SELECT count(*) FROM olap_rollup_catalog").fetchone()[0]
        assert rollups > 0


def test_a_second_refresh_while_one_runs_is_refused(data_dir, db):
    with open(warehouse_dir() / ".refresh.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(WarehouseBusy):
            warehouse_refresh()
    assert warehouse_current_path() is None


def test_export_writes_one_parquet_file_per_table(demo, tmp_path):
    refreshed = warehouse_refresh()
    written = warehouse_export(directory=tmp_path / "out")
    assert sorted(written) == sorted(schema.TABLE_DDL)
    for table, path in written.items():
        assert pq.read_table(path).num_rows == refreshed.rows[table]
    assert pq.read_table(written["fact_sales"]).column_names == [
        name
        for name, *_ in duckdb.connect()
        .execute(
            schema.TABLE_DDL["fact_sales"].replace("CREATE TABLE", "CREATE TEMP TABLE")
            + "; DESCRIBE fact_sales"
        )
        .fetchall()
    ]


def test_refresh_of_an_empty_database_builds_empty_tables(data_dir, db):
    result = warehouse_refresh()
    assert result.mode == "full"
    assert {t: n for t, n in result.rows.items() if n} == {"dim_channel": 14, "refresh_state": 1}
    assert result.high_water is None
    assert warehouse_refresh().mode == "incremental"
