"""The analytics pages: who may open them, what they compute, their CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest
from django.urls import reverse

from dangol.analytics.cohorts import cohort_grid, cohort_matrix
from dangol.analytics.profitability import profitability
from dangol.analytics.rfm import rfm_distribution, rfm_migration
from dangol.analytics.tests.test_cohorts import PRODUCTS, SALES
from dangol.analytics.tests.warehouse_fixture import publish_test_warehouse
from dangol.analytics.tiers import pareto, tier_summary
from dangol.catalog.tests.factories import CategoryFactory
from dangol.customers.models import CategoryBudget
from dangol.customers.tests.factories import CustomerFactory

AS_OF = date(2025, 3, 31)
PAGES = ["home", "rfm", "pareto", "profitability", "cohorts", "wallet", "warehouse"]
EXPORTS = ["profitability_export", "cohorts_export", "wallet_export"]
INTERACTIONS = [
    {
        "interaction_id": 1,
        "customer_id": 1,
        "occurred_at": datetime(2025, 3, 2, 10),
        "channel": "phone",
    },
    {
        "interaction_id": 2,
        "customer_id": 4,
        "occurred_at": datetime(2025, 3, 3, 10),
        "channel": "field_visit",
    },
]


@pytest.fixture
def warehouse(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return publish_test_warehouse(
        tmp_path,
        customers=[{"customer_id": c} for c in range(1, 6)],
        products=PRODUCTS,
        sales=SALES,
        interactions=INTERACTIONS,
        reference_date=AS_OF,
    )


@pytest.fixture
def wh(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES + EXPORTS)
def test_sales_and_service_may_not_open_analytics(name, warehouse, client, sales, service):
    for user in (sales, service):
        client.force_login(user)
        assert client.get(reverse(f"analytics:{name}")).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_olap_roles_open_every_page(name, warehouse, client, analyst, marketing, manager):
    for user in (analyst, marketing, manager):
        client.force_login(user)
        assert client.get(reverse(f"analytics:{name}"), {"as_of": "2025-03-31"}).status_code == 200


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in(client):
    assert client.get(reverse("analytics:home")).status_code == 302


@pytest.mark.django_db
def test_home_links_every_analysis_and_the_nav_points_to_it(warehouse, client, analyst):
    client.force_login(analyst)

    response = client.get(reverse("analytics:home"))

    html = response.content.decode()
    for name in ["pivot", "rfm", "pareto", "profitability", "cohorts", "wallet", "warehouse"]:
        assert f'href="{reverse(f"analytics:{name}")}"' in html
    nav = {item.key: item.url for item in response.context["nav_items"]}
    assert nav["analytics"] == reverse("analytics:home")
    assert response.context["status"]["rows"]["fact_sales"] == len(SALES)


@pytest.mark.django_db
def test_pages_before_the_first_refresh_say_so(settings, tmp_path, client, analyst):
    settings.DATA_DIR = tmp_path
    client.force_login(analyst)

    for name in ["rfm", "pareto", "profitability", "cohorts", "wallet"]:
        response = client.get(reverse(f"analytics:{name}"))
        assert response.status_code == 200
        assert "There is no warehouse yet" in response.content.decode()
    assert client.get(reverse("analytics:cohorts_export")).status_code == 409


@pytest.mark.django_db
def test_rfm_page_distribution_and_migration_matrix(warehouse, wh, client, analyst):
    client.force_login(analyst)

    response = client.get(
        reverse("analytics:rfm"), {"as_of": "2025-03-31", "compare_to": "2025-01-31"}
    )

    report = response.context["report"]
    expected = rfm_distribution(con=wh, as_of=AS_OF)
    assert [(r["segment"], r["customers"]) for r in report["distribution"]] == [
        (r["segment"], r["customers"]) for r in expected
    ]
    assert sum(r["customers"] for r in report["distribution"]) == 4
    data = response.context["chart_data"]
    assert data["customers"] == [r["customers"] for r in expected]
    assert data["labels"][0] == "Champions"
    # On Jan 31 customers 1 and 2 were scored; 3 and 4 come from "not scored".
    migration = rfm_migration(con=wh, date_from=date(2025, 1, 31), date_to=AS_OF)
    assert report["migration"] == migration
    cells = {
        (row["segment"], col): n
        for row in report["matrix"]
        for col, n in zip(report["matrix_columns"], row["cells"], strict=True)
    }
    assert cells == {
        **{
            (a, b): 0
            for a in [r["segment"] for r in report["matrix"]]
            for b in report["matrix_columns"]
        },
        **{(m["from_segment"], m["to_segment"]): m["customers"] for m in migration},
    }
    assert sum(n for (a, _b), n in cells.items() if a == "none") == 2
    assert sum(cells.values()) == 4
    assert data["matrix"]["values"] == [row["cells"] for row in report["matrix"]]
    assert "analytics/charts.js" in response.content.decode()


@pytest.mark.django_db
def test_rfm_page_refuses_a_comparison_after_the_as_of_day(warehouse, client, analyst):
    client.force_login(analyst)

    response = client.get(
        reverse("analytics:rfm"), {"as_of": "2025-03-31", "compare_to": "2025-04-30"}
    )

    assert "Compare with a day before the as-of day." in response.content.decode()


@pytest.mark.django_db
def test_pareto_page_shows_gini_tiers_and_cut_points(warehouse, wh, client, analyst):
    client.force_login(analyst)

    response = client.get(reverse("analytics:pareto"), {"as_of": "2025-03-31"})

    report = response.context["report"]
    curve = pareto(con=wh, as_of=AS_OF, points=100)
    assert report["gini_revenue"] == curve["gini_revenue"]
    assert report["gini_margin"] == curve["gini_margin"]
    assert report["tiers"] == [
        {**t, "label": label}
        for t, label in zip(
            tier_summary(con=wh, as_of=AS_OF), ["Top", "Middle", "Bottom"], strict=True
        )
    ]
    data = response.context["chart_data"]
    assert len(data["revenue_lorenz"]) == 101
    assert (data["revenue_lorenz"][0], data["revenue_lorenz"][100]) == (0.0, 1.0)
    assert data["cuts"] == [20, 70]
    assert "20% / 50% / 30%" in response.content.decode()


@pytest.mark.django_db
def test_profitability_page_ranks_and_exports(warehouse, wh, client, analyst):
    client.force_login(analyst)
    query = {"as_of": "2025-03-31", "by": "customer", "top": "2"}

    response = client.get(reverse("analytics:profitability"), query)

    expected = profitability(con=wh, by="customer", as_of=AS_OF).to_pylist()
    report = response.context["report"]
    assert report["rows"] == expected[:2]
    assert report["count"] == 4
    assert report["totals"]["profit"] == sum(r["profit"] for r in expected)
    # Phone 3,000 + field visit 30,000 are the only costs to serve.
    assert report["totals"]["cost_to_serve"] == Decimal("33000.00")
    assert report["losses"] == sum(1 for r in expected if r["profit"] < 0)
    assert response.context["chart_data"]["labels"] == [str(r["customer_id"]) for r in expected[:2]]

    export = client.get(reverse("analytics:profitability_export"), query)
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    assert [int(r["customer_id"]) for r in rows] == [r["customer_id"] for r in expected]
    assert [r["profit"] for r in rows] == [str(r["profit"]) for r in expected]


@pytest.mark.django_db
@pytest.mark.parametrize("by", ["product", "customer-category"])
def test_profitability_page_other_views(by, warehouse, wh, client, analyst):
    client.force_login(analyst)

    response = client.get(reverse("analytics:profitability"), {"as_of": "2025-03-31", "by": by})

    assert (
        response.context["report"]["rows"] == profitability(con=wh, by=by, as_of=AS_OF).to_pylist()
    )


@pytest.mark.django_db
def test_cohorts_page_heatmap_data_and_csv(warehouse, wh, client, analyst):
    client.force_login(analyst)
    query = {"as_of": "2025-03-31", "since": "2025-01-01"}

    response = client.get(reverse("analytics:cohorts"), query)

    rows = cohort_matrix(con=wh, as_of=AS_OF, since=date(2025, 1, 1)).to_pylist()
    grid = response.context["chart_data"]
    assert grid["months"] == [0, 1, 2]
    assert [(r["cohort"], r["cohort_customers"], r["cells"]) for r in grid["rows"]] == [
        (r["cohort"], r["cohort_customers"], r["cells"])
        for r in cohort_grid(rows, measure="customer_retention")["rows"]
    ]
    assert grid["rows"][0]["cells"] == [1.0, 0.5, 1.0]
    assert grid["rows"][0]["values"] == ["2", "1", "2"]
    assert 'id="cohort-heatmap"' in response.content.decode()

    revenue = client.get(reverse("analytics:cohorts"), {**query, "measure": "revenue"})
    assert revenue.context["chart_data"]["rows"][0]["values"] == ["3000.00", "500.00", "1200.00"]

    export = client.get(reverse("analytics:cohorts_export"), query)
    lines = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [(r["cohort"], r["month"], r["customers"], r["revenue"]) for r in lines] == [
        (r["cohort"], str(r["month"]), str(r["customers"]), str(r["revenue"])) for r in rows
    ]


@pytest.mark.django_db
def test_wallet_page_with_budgets_from_the_database(warehouse, client, analyst):
    food = CategoryFactory(name="Food")
    CategoryBudget.objects.create(
        customer=CustomerFactory(pk=1), category=food, annual_budget=Decimal("10000")
    )
    CategoryBudget.objects.create(
        customer=CustomerFactory(pk=2), category=food, annual_budget=Decimal("2000")
    )
    client.force_login(analyst)

    response = client.get(reverse("analytics:wallet"), {"as_of": "2025-03-31"})

    report = response.context["report"]
    # Customer 1: 1,700 of Food up to Mar 31 (the April sale is later); customer 2: 3,000.
    assert [(r["customer_id"], r["revenue"], r["gap"]) for r in report["rows"]] == [
        (1, Decimal("1700.00"), Decimal("8300.00")),
        (2, Decimal("3000.00"), Decimal("-1000.00")),
    ]
    assert report["totals"]["share"] == 4700 / 12000
    assert response.context["chart_data"]["pairs"] == [0, 0, 1, 0, 0, 0, 1]

    export = client.get(reverse("analytics:wallet_export"), {"as_of": "2025-03-31"})
    lines = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [(r["rank"], r["customer_id"], r["share"]) for r in lines] == [
        ("1", "1", "0.17"),
        ("2", "2", "1.5"),
    ]
