"""Exact answers on the tiny warehouse, from the rollups and from the facts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dangol.analytics.olap.errors import OlapQueryError
from dangol.analytics.olap.model import (
    Dimension,
    dimension_drill_down,
    dimension_roll_up,
    olap_query_parse,
)
from dangol.analytics.olap.selectors import olap_query_run

D = Decimal


def run(wh, **kwargs):
    return olap_query_run(query=olap_query_parse(**kwargs), con=wh)


def test_revenue_and_customers_by_region_and_month_come_from_rollups(wh):
    result = run(wh, measures=["revenue", "customers", "orders"], by=["region", "month"])

    assert result.columns == ["region", "month", "revenue", "customers", "orders"]
    assert result.rows == [
        ("busan", "2025-01", D("3000.00"), 1, 1),
        ("seoul", "2025-01", D("7000.00"), 1, 1),
        ("seoul", "2025-02", D("14500.00"), 2, 2),
        ("seoul", "2025-03", D("5000.00"), 1, 1),
    ]
    assert "fact" not in result.sources
    assert all(source.startswith("olap_rollup_month_") for source in result.sources)


def test_orders_by_category_count_an_order_once_per_category(wh):
    by_category = run(wh, measures=["orders", "quantity", "margin"], by=["category_l1"])
    total = run(wh, measures=["orders", "customers", "aov"])

    assert by_category.rows == [("Beauty", 3, 3, D("8500.00")), ("Food", 3, 15, D("6000.00"))]
    assert total.rows == [(5, 3, D("5900.00"))]
    assert total.sources == ["olap_rollup_all_customer"]


def test_customers_by_channel_and_category_level_two_fall_back_to_the_facts(wh):
    by_channel = run(wh, measures=["customers"], by=["channel"])
    by_l2 = run(wh, measures=["revenue", "customers"], by=["category_l2"])

    assert by_channel.rows == [("online", 2), ("store", 3)]
    assert by_l2.rows == [("Skin", D("14500.00"), 2), ("Snacks", D("15000.00"), 3)]
    assert by_l2.sources == ["fact"]


def test_customers_over_an_unaligned_range_use_the_facts(wh):
    result = run(wh, measures=["customers"], date_from=date(2025, 1, 15), date_to=date(2025, 2, 10))

    assert result.rows == [(2,)]
    assert result.sources == ["fact"]


QUERIES = [
    {"measures": ["revenue", "customers"], "by": ["region", "month", "customer_group"]},
    {"measures": ["orders", "aov"], "by": ["quarter"]},
    {"measures": ["customers"], "by": ["year"], "filters": {"channel": ["store"]}},
    {"measures": ["customers", "revenue"], "by": ["gender"], "filters": {"region": ["seoul"]}},
    {"measures": ["orders", "quantity"], "by": ["channel"], "filters": {"category_l1": ["Food"]}},
    {"measures": ["orders"], "filters": {"category_l1": ["Food", "Beauty"]}},
    {"measures": ["revenue", "margin"], "by": ["week"]},
    {
        "measures": ["customers"],
        "by": ["month"],
        "date_from": date(2025, 2, 1),
        "date_to": date(2025, 3, 31),
    },
    {
        "measures": ["revenue", "orders"],
        "by": ["day", "category_l1"],
        "date_from": date(2025, 1, 10),
        "date_to": date(2025, 2, 14),
    },
    {"measures": ["customers", "orders"], "by": ["age_band", "value_tier"]},
]


@pytest.mark.parametrize("spec", QUERIES)
def test_rollups_and_facts_give_identical_results(wh, spec):
    query = olap_query_parse(**spec)

    routed = olap_query_run(query=query, con=wh)
    raw = olap_query_run(query=query, con=wh, use_rollups=False)

    assert raw.sources == ["fact"]
    assert routed.rows == raw.rows


def test_period_over_period(wh):
    result = run(
        wh,
        measures=["revenue"],
        by=["region"],
        date_from=date(2025, 2, 1),
        date_to=date(2025, 2, 28),
        compare_previous=True,
    )

    assert result.columns == [
        "region",
        "revenue",
        "revenue_previous",
        "revenue_change",
        "revenue_change_pct",
    ]
    assert result.rows == [
        ("busan", D("0"), D("3000.00"), D("-3000.00"), D("-100.00")),
        ("seoul", D("14500.00"), D("7000.00"), D("7500.00"), D("107.14")),
    ]


def test_top_n_orders_by_the_first_measure(wh):
    top = run(wh, measures=["revenue", "orders"], by=["customer_group"], top_n=1)
    ordered = run(wh, measures=["revenue"], by=["gender"], order_by="revenue")

    assert top.rows == [("wholesale", D("15000.00"), 2)]
    assert ordered.rows == [("M", D("3000.00")), ("F", D("26500.00"))]


def test_hostile_filter_values_are_parameters(wh):
    hostile = "x'); DROP TABLE fact_sales; --"

    result = run(wh, measures=["revenue"], by=["region"], filters={"region": [hostile]})

    assert result.rows == []
    assert wh.execute("SELECT count(*) FROM fact_sales").fetchone() == (7,)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"measures": ["revenue", "profit"]}, "Unknown measures: profit"),
        ({"measures": ["revenue"], "by": ["region", "planet"]}, "Unknown by: planet"),
        (
            {"measures": ["revenue"], "filters": {"colour; --": ["x"]}},
            "Unknown filters: colour; --",
        ),
        ({"measures": []}, "Give at least one measure"),
        ({"measures": ["revenue"], "by": ["month", "year"]}, "at most one period"),
        ({"measures": ["revenue"], "compare_previous": True}, "needs date_from and date_to"),
        ({"measures": ["revenue"], "order_by": "-margin"}, "order_by must name"),
        ({"measures": ["revenue"], "top_n": 0}, "top_n must be between"),
    ],
)
def test_invalid_queries_name_the_problem(kwargs, message):
    with pytest.raises(OlapQueryError, match=message.replace("(", r"\(")):
        olap_query_parse(**kwargs)


def test_period_grain_adds_the_period_dimension():
    query = olap_query_parse(measures=["revenue"], by=["region"], period_grain="quarter")

    assert query.by == (Dimension.REGION, Dimension.QUARTER)


def test_drill_down_and_roll_up():
    assert dimension_drill_down(Dimension.YEAR) == Dimension.QUARTER
    assert dimension_drill_down(Dimension.CATEGORY_L1) == Dimension.CATEGORY_L2
    assert dimension_drill_down(Dimension.DAY) is None
    assert dimension_roll_up(Dimension.MONTH) == Dimension.QUARTER
    assert dimension_roll_up(Dimension.CITY) == Dimension.REGION
    assert dimension_roll_up(Dimension.GENDER) is None
