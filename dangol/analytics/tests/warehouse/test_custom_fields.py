"""Customer custom fields in the warehouse and in OLAP (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
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


def _per_customer_expected(values: dict[int, Decimal]) -> dict[str, tuple[Decimal, int, int]]:
    """Return region -> (sum of ``values`` over the distinct buyers, buyers holding one,
    buyers)."""
    buyers = set(
        OrderLine.objects.exclude(order__status__in=["cancelled", "returned"]).values_list(
            "order__customer_id", flat=True
        )
    )
    expected: dict[str, tuple[Decimal, int, int]] = {}
    for pk, region in Customer.objects.filter(pk__in=buyers).values_list("pk", "region"):
        total, count, buying = expected.get(region or "", (Decimal(0), 0, 0))
        if pk in values:
            total, count = total + values[pk], count + 1
        expected[region or ""] = (total, count, buying + 1)
    return expected


def test_number_and_money_fields_are_measures_over_distinct_customers(demo, admin_user):
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    custom_field_create(
        actor=admin_user, entity="customer", key="budget", label="Budget", field_type="money"
    )
    custom_field_create(
        actor=admin_user, entity="customer", key="staff", label="Staff", field_type="number"
    )
    ids = list(Customer.objects.order_by("id").values_list("id", flat=True))
    budgets, staff = {}, {}
    for position, pk in enumerate(ids[:200]):
        budgets[pk] = Decimal(position) + Decimal("0.25")
        values = {"budget": float(budgets[pk])}
        if position % 4:
            staff[pk] = Decimal(position % 7)
            values["staff"] = position % 7
        Customer.objects.filter(pk=pk).update(custom_fields=values)
    warehouse_refresh()

    money = _per_customer_expected(budgets)
    number = _per_customer_expected(staff)
    query = olap_query_parse(
        measures=["cf_budget_sum", "cf_budget_avg", "cf_staff_sum", "customers", "revenue"],
        by=["region"],
    )
    with warehouse_connect() as con:
        rows = {r[0]: r[1:] for r in olap_query_run(query=query, con=con).rows}
        plain = {
            r[0]: r[1]
            for r in olap_query_run(
                query=olap_query_parse(measures=["revenue"], by=["region"]), con=con
            ).rows
        }
    assert set(rows) == set(money)
    for region, (total, count, buyers) in money.items():
        budget_sum, budget_avg, staff_sum, customers, revenue = rows[region]
        assert budget_sum == total  # each buyer once, not once per order line
        assert budget_avg == ((total / count).quantize(Decimal("0.01")) if count else None)
        assert staff_sum == float(number[region][0])
        assert customers == buyers
        assert revenue == plain[region]  # the base measures are unchanged beside them

    # Filters and a date range narrow the buyers the same way as the base measures.
    with warehouse_connect() as con:
        one = olap_query_run(
            query=olap_query_parse(measures=["cf_budget_sum"], filters={"region": ["seoul"]}),
            con=con,
        )
    assert one.rows == [(money.get("seoul", (Decimal(0),))[0],)]

    body = {"measures": ["cf_budget_sum", "cf_staff_avg"], "by": ["region"]}
    api = token_client(admin_user).post("/api/v1/olap/query", body, format="json")
    assert api.status_code == 200, api.json()
    got = {r["region"]: Decimal(r["cf_budget_sum"]) for r in api.json()["rows"]}
    assert got == {region: row[0] for region, row in money.items()}
    client = Client()
    client.force_login(admin_user)
    page = client.get(reverse("analytics:pivot"), {"measures": "cf_budget_sum", "by1": "region"})
    assert page.status_code == 200 and page.context["error"] == ""
    assert page.context["headers"] == ["Region", "Budget (sum)"]
    assert len(page.context["records"]) == len(money)
    out = io.StringIO()
    call_command("olap", "query", "--measure", "cf_budget_sum", "--format", "json", stdout=out)
    assert Decimal(json.loads(out.getvalue())["rows"][0]["cf_budget_sum"]) == sum(
        row[0] for row in money.values()
    )


def test_only_number_and_money_fields_are_measures(db, admin_user):
    custom_field_create(
        actor=admin_user, entity="customer", key="level", label="Level", field_type="text"
    )
    custom_field_create(
        actor=admin_user, entity="customer", key="credit", label="Credit", field_type="money"
    )
    assert olap_query_parse(measures=["cf_credit_avg"]).measures == ("cf_credit_avg",)
    for name in ("cf_level_sum", "cf_credit", "cf_credit_max", 'cf_credit_sum"; --'):
        with pytest.raises(OlapQueryError):
            olap_query_parse(measures=[name])
    api = token_client(admin_user).post(
        "/api/v1/olap/query", {"measures": ["cf_level_sum"]}, format="json"
    )
    assert api.status_code == 400
    # The OpenAPI schema lists the measures the definitions allow.
    schema = token_client(admin_user).get("/api/v1/openapi.json")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert '"cf_credit_sum"' in text and '"cf_credit_avg"' in text
    assert '"cf_level_sum"' not in text
