"""Customer custom fields in the warehouse and in OLAP (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import F, Sum
from django.utils import timezone

from dangol.analytics.olap.errors import OlapQueryError
from dangol.analytics.olap.model import olap_query_parse
from dangol.analytics.olap.selectors import olap_query_run
from dangol.analytics.warehouse.connection import warehouse_connect
from dangol.analytics.warehouse.services import warehouse_refresh
from dangol.core.customfields.services import (
    custom_field_archive,
    custom_field_create,
)
from dangol.core.tests.api_support import clean_throttle, token_client  # noqa: F401
from dangol.customers.models import Customer
from dangol.sales.models import OrderLine


def _revenue_by_level() -> dict[str, Decimal]:
    """Expected revenue of valid orders by the customers' level (from the operational DB)."""
    rows = (
        OrderLine.objects.exclude(order__status__in=["cancelled", "returned"])
        .values("order__customer__custom_fields__level")
        .annotate(revenue=Sum(F("quantity") * F("unit_price") - F("discount")))
    )
    return {(r["order__customer__custom_fields__level"] or ""): r["revenue"] for r in rows}


def test_choice_field_is_an_olap_dimension_with_right_sums(demo, admin_user):
    custom_field_create(
        actor=admin_user,
        entity="customer",
        key="level",
        label="Level",
        field_type="choice",
        choices=["gold|Gold", "silver|Silver"],
    )
    custom_field_create(
        actor=admin_user, entity="customer", key="credit", label="Credit", field_type="money"
    )
    ids = list(Customer.objects.order_by("id").values_list("id", flat=True))
    for position, pk in enumerate(ids[:200]):
        level = "gold" if position % 3 == 0 else "silver"
        Customer.objects.filter(pk=pk).update(custom_fields={"level": level, "credit": 10.25})

    warehouse_refresh()

    expected = _revenue_by_level()
    assert set(expected) == {"gold", "silver", ""}
    with warehouse_connect() as con:
        result = olap_query_run(
            query=olap_query_parse(measures=["revenue"], by=["cf_level"]), con=con
        )
        got = {row[0]: row[1] for row in result.rows}
        assert got == expected
        filtered = olap_query_run(
            query=olap_query_parse(measures=["revenue"], filters={"cf_level": ["gold"]}), con=con
        )
        assert filtered.rows[0][0] == expected["gold"]
        credit = con.execute("SELECT sum(cf_credit), count(cf_credit) FROM dim_customer").fetchone()
        assert credit == (Decimal("2050.00"), 200)
    api = token_client(admin_user).post(
        "/api/v1/olap/query", {"measures": ["revenue"], "by": ["cf_level"]}, format="json"
    )
    assert api.status_code == 200, api.json()
    assert {r["cf_level"]: Decimal(r["revenue"]) for r in api.json()["rows"]} == expected

    # An incremental refresh picks up a changed value; an archived field's column goes.
    Customer.objects.filter(pk=ids[1]).update(
        custom_fields={"level": "gold"}, updated_at=timezone.now()
    )
    custom_field_archive(actor=admin_user, definition=_def("credit"))
    result = warehouse_refresh()
    assert result.mode == "incremental"
    with warehouse_connect() as con:
        level = con.execute(
            "SELECT cf_level FROM dim_customer WHERE customer_id = ?", [ids[1]]
        ).fetchone()[0]
        assert level == "gold"
        columns = [r[0] for r in con.execute("DESCRIBE dim_customer").fetchall()]
        assert [c for c in columns if c.startswith("cf_")] == ["cf_level"]


def _def(key):
    from dangol.core.customfields.models import CustomFieldDefinition

    return CustomFieldDefinition.objects.get(entity="customer", key=key)


def test_only_defined_custom_dimensions_are_accepted(db, admin_user):
    custom_field_create(
        actor=admin_user, entity="customer", key="credit", label="Credit", field_type="money"
    )
    with pytest.raises(OlapQueryError):
        olap_query_parse(measures=["revenue"], by=['cf_x"; DROP TABLE dim_customer; --'])
    with pytest.raises(OlapQueryError):
        olap_query_parse(measures=["revenue"], by=["cf_credit"])  # a number: not a dimension
