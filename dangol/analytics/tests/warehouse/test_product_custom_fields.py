"""Product custom fields in the warehouse and in OLAP (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F, Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangol.analytics.olap.errors import OlapQueryError
from dangol.analytics.olap.model import olap_query_parse
from dangol.analytics.olap.selectors import olap_query_run
from dangol.analytics.warehouse.connection import warehouse_connect
from dangol.analytics.warehouse.custom_fields import column_name
from dangol.analytics.warehouse.services import warehouse_refresh
from dangol.catalog.models import Product
from dangol.core.customfields.models import CustomFieldDefinition
from dangol.core.customfields.services import custom_field_archive, custom_field_create
from dangol.core.tests.api_support import clean_throttle, token_client  # noqa: F401
from dangol.customers.models import Customer
from dangol.sales.models import OrderLine

VALID_LINES = OrderLine.objects.exclude(order__status__in=["cancelled", "returned"])
REVENUE = Sum(F("quantity") * F("unit_price") - F("discount"))


def _field(admin_user, key: str, field_type: str, entity: str = "product", **more):
    return custom_field_create(
        actor=admin_user, entity=entity, key=key, label=key.title(), field_type=field_type, **more
    )


def _product_ids() -> list[int]:
    return list(Product.objects.order_by("id").values_list("id", flat=True))


def _dim_product(con, column: str) -> dict[int, object]:
    rows = con.execute(f'SELECT product_id, "{column}" FROM dim_product').fetchall()
    return dict(rows)


def _cf_columns(con) -> list[str]:
    columns = [r[0] for r in con.execute("DESCRIBE dim_product").fetchall()]
    return [c for c in columns if c.startswith("cf_")]


def test_refresh_keeps_product_columns_in_step_with_definitions(demo, admin_user):
    _field(admin_user, "material", "choice", choices=["wood|Wood", "steel|Steel"])
    _field(admin_user, "weight", "number")
    ids = _product_ids()
    assert len(ids) == 40
    for position, pk in enumerate(ids):
        values = {"material": "wood" if position % 4 == 0 else "steel", "weight": position / 2}
        if position == 39:
            values = {"weight": "heavy"}  # a value that does not fit the type: NULL
        Product.objects.filter(pk=pk).update(custom_fields=values)

    first = warehouse_refresh()

    assert first.extracted["product_custom_fields"] == 40
    with warehouse_connect() as con:
        assert _cf_columns(con) == ["cf_material", "cf_weight"]
        material = _dim_product(con, "cf_material")
        weight = _dim_product(con, "cf_weight")
    assert Counter(material.values()) == {"steel": 29, "wood": 10, None: 1}
    assert weight[ids[3]] == 1.5 and weight[ids[39]] is None
    assert sum(v for v in weight.values() if v is not None) == sum(range(39)) / 2

    # Incremental: only the changed product is re-read; the others keep their values
    # although dim_product is rebuilt from the whole catalogue.
    Product.objects.filter(pk=ids[1]).update(
        custom_fields={"material": "wood", "weight": 99}, updated_at=timezone.now()
    )
    second = warehouse_refresh()
    assert second.mode == "incremental"
    assert second.extracted["product_custom_fields"] == 1
    with warehouse_connect() as con:
        assert _dim_product(con, "cf_material")[ids[1]] == "wood"
        assert _dim_product(con, "cf_weight")[ids[1]] == 99.0
        assert _dim_product(con, "cf_material")[ids[2]] == "steel"
        assert sum(1 for v in _dim_product(con, "cf_material").values() if v == "wood") == 11

    # A new field fills every product (a full read); an archived one's column goes.
    _field(admin_user, "organic", "boolean")
    Product.objects.filter(pk__in=ids[:5]).update(
        custom_fields={"material": "wood", "organic": True}
    )  # updated_at untouched: only the new column forces the full read
    custom_field_archive(
        actor=admin_user,
        definition=CustomFieldDefinition.objects.get(entity="product", key="weight"),
    )
    third = warehouse_refresh()
    assert third.mode == "incremental"
    assert third.extracted["product_custom_fields"] == 40
    with warehouse_connect() as con:
        assert _cf_columns(con) == ["cf_material", "cf_organic"]
        organic = _dim_product(con, "cf_organic")
        assert [organic[pk] for pk in ids[:6]] == [True] * 5 + [None]
        # Nothing changed: nothing re-read, nothing lost.
    fourth = warehouse_refresh()
    assert fourth.extracted["product_custom_fields"] == 0
    with warehouse_connect() as con:
        assert _dim_product(con, "cf_organic") == organic


def test_product_choice_and_boolean_fields_slice_and_filter_sales(demo, admin_user):
    _field(admin_user, "material", "choice", choices=["wood|Wood", "steel|Steel"], label_ko="재질")
    _field(admin_user, "organic", "boolean")
    for position, pk in enumerate(_product_ids()):
        values = {"material": ["wood", "steel"][position % 2]} if position % 5 else {}
        values["organic"] = position % 3 == 0
        Product.objects.filter(pk=pk).update(custom_fields=values)
    warehouse_refresh()

    rows = VALID_LINES.values("product__custom_fields__material").annotate(revenue=REVENUE)
    expected = {(r["product__custom_fields__material"] or ""): r["revenue"] for r in rows}
    assert set(expected) == {"wood", "steel", ""}
    organic = VALID_LINES.filter(product__custom_fields__organic=True).aggregate(r=REVENUE)["r"]
    assert organic > 0
    with warehouse_connect() as con:
        by_material = olap_query_run(
            query=olap_query_parse(measures=["revenue"], by=["pcf_material"]), con=con
        )
        assert dict(by_material.rows) == expected
        assert by_material.sources == ["fact"]
        filtered = olap_query_run(
            query=olap_query_parse(measures=["revenue"], filters={"pcf_organic": ["true"]}),
            con=con,
        )
        assert filtered.rows == [(organic,)]
        # The rollups never answer a query naming a field: same rows with and without them.
        query = olap_query_parse(
            measures=["revenue", "orders", "customers"],
            by=["region", "pcf_material"],
            filters={"pcf_organic": ["false"]},
            period_grain="month",
        )
        with_rollups = olap_query_run(query=query, con=con)
        assert with_rollups.sources == ["fact"]
        assert with_rollups.rows == olap_query_run(query=query, con=con, use_rollups=False).rows

    api = token_client(admin_user).post(
        "/api/v1/olap/query",
        {"measures": ["revenue"], "by": ["pcf_material"], "filters": {"pcf_organic": ["true"]}},
        format="json",
    )
    assert api.status_code == 200, api.json()
    by_api = {r["pcf_material"]: Decimal(r["revenue"]) for r in api.json()["rows"]}
    assert sum(by_api.values()) == organic
    out = io.StringIO()
    call_command(
        *("olap", "query", "--measure", "revenue", "--by", "pcf_material", "--format", "json"),
        stdout=out,
    )
    by_cli = json.loads(out.getvalue())["rows"]
    assert {r["pcf_material"]: Decimal(r["revenue"]) for r in by_cli} == expected
    client = Client()
    client.force_login(admin_user)
    page = client.get(reverse("analytics:pivot"), {"measures": "revenue", "by1": "pcf_material"})
    assert page.status_code == 200 and page.context["error"] == ""
    assert page.context["headers"] == ["Material (product)", "Revenue"]
    assert [r[0] for r in page.context["records"]] == ["(none)", "steel", "wood"]
    choices = dict(page.context["form"].fields["by1"].choices)
    assert choices["pcf_organic"] == "Organic (product)"
    korean = client.get(
        reverse("analytics:pivot"),
        {"measures": "revenue", "by1": "pcf_material"},
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert korean.context["headers"] == ["재질 (상품)", "매출"]


def test_customer_and_product_fields_with_one_key_in_one_query(demo, admin_user):
    _field(admin_user, "level", "choice", entity="customer", choices=["gold|Gold", "silver|S"])
    _field(admin_user, "level", "choice", choices=["gold|Gold", "silver|Silver"])
    for position, pk in enumerate(Customer.objects.order_by("id").values_list("id", flat=True)):
        level = ["gold", "silver"][position % 2]
        Customer.objects.filter(pk=pk).update(custom_fields={"level": level})
    for position, pk in enumerate(_product_ids()):
        level = ["silver", "gold", "gold"][position % 3]
        Product.objects.filter(pk=pk).update(custom_fields={"level": level})
    warehouse_refresh()

    rows = VALID_LINES.values(
        "order__customer__custom_fields__level", "product__custom_fields__level"
    ).annotate(revenue=REVENUE)
    expected = {
        (r["order__customer__custom_fields__level"], r["product__custom_fields__level"]): r[
            "revenue"
        ]
        for r in rows
    }
    assert len(expected) == 4
    query = olap_query_parse(
        measures=["revenue"], by=["cf_level", "pcf_level"], filters={"pcf_level": ["gold"]}
    )
    with warehouse_connect() as con:
        got = {(c, p): revenue for c, p, revenue in olap_query_run(query=query, con=con).rows}
    assert got == {key: value for key, value in expected.items() if key[1] == "gold"}


def _distinct_products(values: dict[int, Decimal]) -> dict[str, tuple[Decimal, int]]:
    """Return channel -> (sum of ``values`` over the distinct products sold, products)."""
    sold = set(VALID_LINES.values_list("order__channel", "product_id"))
    expected: dict[str, tuple[Decimal, int]] = {}
    for channel, pk in sold:
        total, count = expected.get(channel, (Decimal(0), 0))
        if pk in values:
            total, count = total + values[pk], count + 1
        expected[channel] = (total, count)
    return expected


def test_product_number_fields_are_measures_over_distinct_products(demo, admin_user):
    _field(admin_user, "deposit", "money")
    _field(admin_user, "budget", "money", entity="customer")
    deposits = {}
    for position, pk in enumerate(_product_ids()):
        if position % 3:
            deposits[pk] = Decimal(position) + Decimal("0.50")
            Product.objects.filter(pk=pk).update(custom_fields={"deposit": str(deposits[pk])})
    Customer.objects.update(custom_fields={"budget": 2})
    warehouse_refresh()

    expected = _distinct_products(deposits)
    query = olap_query_parse(
        measures=["pcf_deposit_sum", "pcf_deposit_avg", "cf_budget_sum", "customers"],
        by=["channel"],
    )
    with warehouse_connect() as con:
        rows = {r[0]: r[1:] for r in olap_query_run(query=query, con=con).rows}
    assert set(rows) == set(expected)
    for channel, (total, count) in expected.items():
        deposit_sum, deposit_avg, budget_sum, customers = rows[channel]
        assert deposit_sum == total  # each product once per channel, not once per line
        assert deposit_avg == (total / count).quantize(Decimal("0.01"))
        assert budget_sum == 2 * customers  # the customer pass beside the product pass


def test_only_defined_product_names_reach_sql(demo, admin_user):
    _field(admin_user, "note", "text")
    _field(admin_user, "deposit", "money")
    hostile = "x'); DROP TABLE dim_product; --"
    pk = VALID_LINES.order_by("id").values_list("product_id", flat=True)[0]
    quantity = VALID_LINES.filter(product_id=pk).aggregate(q=Sum("quantity"))["q"]
    Product.objects.filter(pk=pk).update(custom_fields={"note": hostile, "deposit": hostile})
    warehouse_refresh()
    with warehouse_connect() as con:
        assert _dim_product(con, "cf_note")[pk] == hostile  # stored as a value
        assert _dim_product(con, "cf_deposit")[pk] is None  # TRY_CAST: not a number
        filtered = olap_query_run(
            query=olap_query_parse(measures=["quantity"], filters={"pcf_note": [hostile]}),
            con=con,
        )
        assert filtered.rows == [(quantity,)]
    for name in ('pcf_x"; DROP TABLE dim_product; --', "pcf_deposit", "pcf_nope", "cf_note"):
        with pytest.raises(OlapQueryError):
            olap_query_parse(measures=["revenue"], by=[name])
    for name in ("pcf_note_sum", "pcf_deposit", 'pcf_deposit_sum"; --'):
        with pytest.raises(OlapQueryError):
            olap_query_parse(measures=[name])
    with pytest.raises(ValueError):
        column_name('x"; --')
    schema = token_client(admin_user).get("/api/v1/openapi.json").content.decode()
    assert '"pcf_note"' in schema and '"pcf_deposit_avg"' in schema
