"""The bulk path used outside transactions (ADBC on SQLite, COPY on PostgreSQL)."""

from __future__ import annotations

from django.db import connection
from django.db.models import F, Sum

from dangol.analytics.warehouse.connection import warehouse_connect
from dangol.analytics.warehouse.services import warehouse_refresh
from dangol.customers.models import Customer
from dangol.sales.models import OrderLine


def test_refresh_outside_a_transaction_reads_committed_rows(committed_demo):
    assert not connection.in_atomic_block
    Customer.objects.filter(pk=Customer.objects.order_by("id").first().pk).update(birth_date=None)

    result = warehouse_refresh()

    assert result.rows["fact_sales"] == OrderLine.objects.count()
    sums = OrderLine.objects.aggregate(
        revenue=Sum(F("quantity") * F("unit_price") - F("discount")),
        cost=Sum(F("quantity") * F("product__unit_cost")),
    )
    with warehouse_connect() as con:
        assert con.execute("SELECT sum(revenue), sum(cost) FROM fact_sales").fetchone() == (
            sums["revenue"],
            sums["cost"],
        )
        births = con.execute(
            "SELECT count(*) FILTER (birth_date IS NULL), count(*) FILTER (age_band = 'unknown')"
            " FROM dim_customer"
        ).fetchone()
        assert births[0] == Customer.objects.filter(birth_date__isnull=True).count()
        assert births[0] == births[1]


def test_refresh_of_an_empty_committed_database(transactional_db, data_dir):
    result = warehouse_refresh()
    assert result.rows["fact_sales"] == result.rows["dim_customer"] == 0
    assert result.rows["dim_date"] == 0
