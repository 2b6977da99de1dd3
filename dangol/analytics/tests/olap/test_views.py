"""The pivot page: form, table, embedded chart data, CSV export, roles."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

QUERY = {
    "measures": ["revenue", "customers"],
    "by1": "region",
    "by2": "month",
    "filters": "customer_group=retail",
    "chart": "heatmap",
}


@pytest.mark.django_db
def test_pivot_renders_table_and_chart_data_for_an_analyst(published_warehouse, client, analyst):
    client.force_login(analyst)

    response = client.get(reverse("analytics:pivot"), QUERY)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="pivot-table"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    data = response.context["chart_data"]
    assert data["columns"] == ["region", "month", "revenue", "customers"]
    assert data["rows"] == [
        ["busan", "2025-01", "3000.00", 1],
        ["seoul", "2025-01", "7000.00", 1],
        ["seoul", "2025-02", "4500.00", 1],
    ]
    embedded = html.split('<script id="pivot-data" type="application/json">')[1].split("</script>")[
        0
    ]
    assert json.loads(embedded) == data
    assert response.context["chart"] == "heatmap"
    assert "7000.00" in html


@pytest.mark.django_db
def test_empty_form_renders_without_a_query(published_warehouse, client, analyst):
    client.force_login(analyst)

    response = client.get(reverse("analytics:pivot"))

    assert response.status_code == 200
    assert response.context["result"] is None


@pytest.mark.django_db
def test_bad_filter_is_reported(published_warehouse, client, analyst):
    client.force_login(analyst)

    response = client.get(
        reverse("analytics:pivot"), {"measures": ["revenue"], "filters": "planet=mars"}
    )

    assert response.status_code == 200
    assert response.context["result"] is None
    assert "planet" in response.context["error"]


@pytest.mark.django_db
def test_csv_export(published_warehouse, client, marketing):
    client.force_login(marketing)

    response = client.get(reverse("analytics:pivot_export"), QUERY)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode() == (
        "region,month,revenue,customers\n"
        "busan,2025-01,3000.00,1\n"
        "seoul,2025-01,7000.00,1\n"
        "seoul,2025-02,4500.00,1\n"
    )


@pytest.mark.django_db
def test_sales_may_not_see_the_pivot(published_warehouse, client, sales):
    client.force_login(sales)

    assert client.get(reverse("analytics:pivot"), QUERY).status_code == 403
    assert client.get(reverse("analytics:pivot_export"), QUERY).status_code == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("analytics:pivot"))

    assert response.status_code == 302
