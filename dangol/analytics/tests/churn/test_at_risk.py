"""The at-risk valuable customers list and its CSV export."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from django.urls import reverse

from dangol.analytics.modelcards.services import model_run_create
from dangol.customers.score_services import customer_scores_bulk_write
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(sales, other_sales):
    # (name, owner, clv, churn, p_alive, segment)
    spec = [
        ("Kim", sales, 900_000, 0.9, 0.2, "at_risk"),  # loss 810,000
        ("Lee", sales, 2_000_000, 0.6, 0.5, "cannot_lose"),  # loss 1,200,000
        ("Park", other_sales, 1_500_000, 0.7, 0.4, "at_risk"),  # loss 1,050,000
        ("Choi", sales, 3_000_000, 0.2, 0.9, "champions"),  # low risk
        ("Jung", sales, 10_000, 0.95, 0.1, "lost"),  # low value
    ]
    made = {}
    for name, owner, *_ in spec:
        made[name] = CustomerFactory(name=name, owner=owner)
    rows = pd.DataFrame(
        {
            "customer_id": [made[s[0]].pk for s in spec],
            "clv": [s[2] for s in spec],
            "churn_probability": [s[3] for s in spec],
            "p_alive": [s[4] for s in spec],
            "rfm_segment": [s[5] for s in spec],
        }
    )
    customer_scores_bulk_write(
        rows=rows, fields=["clv", "churn_probability", "p_alive", "rfm_segment"]
    )
    # The latest CLV run's top quartile is the default CLV bound.
    model_run_create(
        kind="clv", algorithm="x", params={}, metrics={"clv_quantiles": {"p75": 500_000}}
    )
    return made


def _names(response) -> list[str]:
    return [row["name"] for row in response.context["rows"]]


def test_list_orders_by_expected_loss_with_default_bounds(client, analyst, customers):
    client.force_login(analyst)
    response = client.get(reverse("analytics:churn_at_risk"))
    assert response.status_code == 200
    assert _names(response) == ["Lee", "Park", "Kim"]
    assert response.context["rows"][0]["expected_loss"] == pytest.approx(1_200_000)


def test_filters_narrow_the_list(client, analyst, customers):
    client.force_login(analyst)
    url = reverse("analytics:churn_at_risk")
    assert _names(client.get(url, {"min_churn": "0.65"})) == ["Park", "Kim"]
    assert _names(client.get(url, {"segment": "at_risk"})) == ["Park", "Kim"]
    assert _names(client.get(url, {"min_clv": "0", "min_churn": "0.9"})) == ["Kim", "Jung"]
    assert _names(client.get(url, {"min_p_alive": "0.45"})) == ["Lee"]
    assert _names(client.get(url, {"limit": "1"})) == ["Lee"]
    bad = client.get(url, {"min_churn": "2"})
    assert bad.status_code == 200 and _names(bad) == [] and bad.context["form"].errors


def test_manager_sees_only_the_team_customers(client, manager, customers):
    client.force_login(manager)
    assert _names(client.get(reverse("analytics:churn_at_risk"))) == ["Lee", "Kim"]


def test_csv_export_starts_with_customer_ids(client, marketing, customers):
    client.force_login(marketing)
    response = client.get(reverse("analytics:churn_at_risk_export"), {"min_churn": "0.5"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["customer_id", "name"]
    assert [(int(r[0]), r[1]) for r in rows[1:]] == [
        (customers["Lee"].pk, "Lee"),
        (customers["Park"].pk, "Park"),
        (customers["Kim"].pk, "Kim"),
    ]
    assert rows[1][2:6] == ["2000000.00", "0.5000", "0.6000", "1200000.00"]
    assert client.get(reverse("analytics:churn_at_risk_export"), {"limit": "x"}).status_code == 400
