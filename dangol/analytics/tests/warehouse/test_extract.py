"""The bulk path used outside transactions (ADBC on SQLite, COPY on PostgreSQL)."""

from __future__ import annotations

import sys

import pytest
from django.db import connection
from django.db.models import F, Sum

from dangol.analytics.warehouse import extract
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


def _tables() -> dict[str, list]:
    with warehouse_connect() as con:
        return {
            table: con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in ("fact_sales", "fact_interactions", "dim_customer", "dim_product")
        }


def test_postgresql_reads_through_adbc_on_the_exported_snapshot_like_copy_csv(
    committed_demo, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's bulk reader")
    pytest.importorskip("adbc_driver_postgresql")
    calls: list[str] = []
    adbc = extract._extract_postgresql_adbc
    monkeypatch.setattr(
        extract,
        "_extract_postgresql_adbc",
        lambda con, query, *args: calls.append(query.name) or adbc(con, query, *args),
    )
    warehouse_refresh(full=True)
    through_adbc = _tables()
    assert "order_lines" in calls and "customers" in calls

    # Without the driver: COPY csv on Django's connection, the same rows.
    monkeypatch.setitem(sys.modules, "adbc_driver_postgresql.dbapi", None)
    calls.clear()
    warehouse_refresh(full=True)
    assert calls == []
    assert _tables() == through_adbc
    assert len(through_adbc["fact_sales"]) == OrderLine.objects.count()


def test_libpq_uri_quotes_every_part():
    uri = extract._libpq_uri
    assert uri({"USER": "postgres", "HOST": "127.0.0.1", "PORT": 5432, "NAME": "dg"}) == (
        "postgresql://postgres@127.0.0.1:5432/dg"
    )
    assert uri(
        {
            "USER": "a b",
            "PASSWORD": "p@ss/w:rd",
            "HOST": "::1",
            "PORT": "",
            "NAME": "d g",
            "OPTIONS": {"sslmode": "require"},
        }
    ) == ("postgresql://a%20b:p%40ss%2Fw%3Ard@[::1]/d%20g?sslmode=require")
    assert uri({"HOST": "/var/run/postgresql", "NAME": "dg"}) == (
        "postgresql://%2Fvar%2Frun%2Fpostgresql/dg"
    )
