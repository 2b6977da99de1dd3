"""``dangol analyze``: the output keys of every subcommand, and the write-back flag."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangol.analytics.tests.test_rfm import AS_OF, PRODUCTS, tiny_sales
from dangol.analytics.tests.warehouse_fixture import build_test_warehouse, publish_test_warehouse

RFM_KEYS = [
    "customer_id",
    "recency_days",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "fm_score",
    "segment",
]


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    return str(
        build_test_warehouse(
            tmp_path_factory.mktemp("cli") / "wh.duckdb",
            customers=[{"customer_id": c} for c in range(1, 12)],
            products=PRODUCTS,
            sales=tiny_sales(),
            interactions=[
                {
                    "interaction_id": 1,
                    "customer_id": 1,
                    "channel": "phone",
                    "occurred_at": "2025-12-01 10:00:00",
                }
            ],
            reference_date=AS_OF,
        )
    )


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("analyze", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_rfm_csv(wh):
    rows = list(csv.DictReader(io.StringIO(run("rfm", "--as-of", "2025-12-31", "--warehouse", wh))))
    assert list(rows[0]) == RFM_KEYS
    assert len(rows) == 10
    assert rows[0] == {
        "customer_id": "1",
        "recency_days": "10",
        "frequency": "1",
        "monetary": "1000.00",
        "r_score": "5",
        "f_score": "1",
        "m_score": "1",
        "fm_score": "1",
        "segment": "new",
    }


def test_rfm_json_with_window(wh):
    data = json.loads(
        run(
            "rfm",
            "--as-of",
            "2025-12-31",
            "--format",
            "json",
            "--window-days",
            "45",
            "--warehouse",
            wh,
        )
    )
    assert list(data) == ["as_of", "window_days", "rows"]
    assert (data["as_of"], data["window_days"]) == ("2025-12-31", 45)
    assert [r["customer_id"] for r in data["rows"]] == [1, 2, 3, 4]
    assert list(data["rows"][0]) == RFM_KEYS


def test_tiers_and_summary(wh):
    rows = list(
        csv.DictReader(io.StringIO(run("tiers", "--as-of", "2025-12-31", "--warehouse", wh)))
    )
    assert list(rows[0]) == ["customer_id", "revenue", "margin", "rank", "tier"]
    assert {r["customer_id"]: r["tier"] for r in rows}["10"] == "top"
    data = json.loads(
        run("tiers", "--summary", "--as-of", "2025-12-31", "--format", "json", "--warehouse", wh)
    )
    assert list(data) == ["as_of", "window_days", "cuts", "rows"]
    assert data["cuts"] == [0.2, 0.5]
    assert list(data["rows"][0]) == [
        "tier",
        "customers",
        "revenue",
        "margin",
        "customer_share",
        "revenue_share",
        "margin_share",
    ]
    assert [r["customers"] for r in data["rows"]] == [2, 5, 3]


def test_pareto_json(wh):
    data = json.loads(
        run(
            "pareto",
            "--as-of",
            "2025-12-31",
            "--format",
            "json",
            "--points",
            "10",
            "--warehouse",
            wh,
        )
    )
    assert list(data) == [
        "as_of",
        "window_days",
        "customers",
        "revenue",
        "margin",
        "gini_revenue",
        "gini_margin",
        "rows",
    ]
    assert data["gini_revenue"] == pytest.approx(0.3)
    assert len(data["rows"]) == 11
    assert list(data["rows"][0]) == [
        "percentile",
        "customers",
        "revenue_lorenz",
        "revenue_top",
        "margin_lorenz",
        "margin_top",
    ]


@pytest.mark.parametrize(
    ("by", "keys"),
    [
        (
            "customer",
            [
                "customer_id",
                "orders",
                "interactions",
                "gross",
                "discount",
                "revenue",
                "cogs",
                "margin",
                "cost_to_serve",
                "profit",
                "rank",
            ],
        ),
        (
            "product",
            [
                "product_id",
                "sku",
                "name",
                "category_l1",
                "quantity",
                "gross",
                "discount",
                "revenue",
                "cogs",
                "margin",
                "cost_to_serve",
                "profit",
                "rank",
            ],
        ),
        (
            "customer-category",
            [
                "customer_id",
                "category_l1",
                "quantity",
                "gross",
                "discount",
                "revenue",
                "cogs",
                "margin",
                "cost_to_serve",
                "profit",
                "rank",
            ],
        ),
    ],
)
def test_profitability(wh, by, keys, settings):
    settings.DANGOL_COST_PER_INTERACTION = {"phone": 700}
    data = json.loads(
        run(
            "profitability",
            "--by",
            by,
            "--top",
            "2",
            "--as-of",
            "2025-12-31",
            "--format",
            "json",
            "--warehouse",
            wh,
        )
    )
    assert list(data) == ["as_of", "window_days", "by", "costs", "rows"]
    assert data["costs"] == {"phone": "700"}
    assert len(data["rows"]) == 2
    assert list(data["rows"][0]) == keys
    if by == "customer":
        customer_1 = run("profitability", "--by", by, "--as-of", "2025-12-31", "--warehouse", wh)
        row = next(r for r in csv.DictReader(io.StringIO(customer_1)) if r["customer_id"] == "1")
        assert (row["cost_to_serve"], row["profit"]) == ("700.00", "-300.00")


def test_rfm_migration(wh):
    data = json.loads(
        run(
            "rfm-migration",
            "--from",
            "2025-12-31",
            "--to",
            "2026-07-19",
            "--format",
            "json",
            "--warehouse",
            wh,
        )
    )
    assert list(data) == ["from", "to", "window_days", "rows"]
    assert list(data["rows"][0]) == ["from_segment", "to_segment", "customers"]
    assert sum(r["customers"] for r in data["rows"]) == 10


def test_errors(wh, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    with pytest.raises(CommandError, match="No warehouse yet"):
        run("rfm", "--as-of", "2025-12-31")
    with pytest.raises(CommandError, match="positive"):
        run("rfm", "--as-of", "2025-12-31", "--window-days", "0", "--warehouse", wh)
    settings.DANGOL_VALUE_TIER_CUTS = (0.9, 0.9)
    with pytest.raises(CommandError, match="Tier cuts"):
        run("tiers", "--warehouse", wh)


@pytest.mark.django_db
def test_write_back_uses_the_current_warehouse(tmp_path, settings):
    from dangol.customers.models import CustomerScore
    from dangol.customers.tests.factories import CustomerFactory

    settings.DATA_DIR = tmp_path
    customers = CustomerFactory.create_batch(3)
    publish_test_warehouse(
        tmp_path,
        customers=[{"customer_id": c.pk} for c in customers],
        products=PRODUCTS,
        sales=[s | {"customer_id": customers[0].pk} for s in tiny_sales() if s["customer_id"] == 4],
        reference_date=AS_OF,
    )
    out = run("rfm", "--as-of", "2025-12-31", "--write-back")
    assert out.splitlines()[1].startswith(f"{customers[0].pk},40,4,4000.00,1,1,1,1,lost")
    score = CustomerScore.objects.get()
    # One customer: round(1 * 0.2) = 0 top places, round(1 * 0.7) = 1 middle place.
    assert (score.customer_id, score.rfm_segment, score.value_tier) == (
        customers[0].pk,
        "lost",
        "middle",
    )
