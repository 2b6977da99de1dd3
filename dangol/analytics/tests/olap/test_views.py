"""The pivot page: form, table, embedded chart data, CSV export, roles."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import translation

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
    # Regions by their names, raw numbers for the chart to scale.
    assert data["rows"] == [
        ["Busan", "2025-01", 3000.0, 1],
        ["Seoul", "2025-01", 7000.0, 1],
        ["Seoul", "2025-02", 4500.0, 1],
    ]
    embedded = html.split('<script id="pivot-data" type="application/json">')[1].split("</script>")[
        0
    ]
    assert json.loads(embedded) == data
    assert response.context["chart"] == "heatmap"
    # The table: labels and grouped whole won.
    assert response.context["records"] == [
        ["Busan", "2025-01", "3,000", "1"],
        ["Seoul", "2025-01", "7,000", "1"],
        ["Seoul", "2025-02", "4,500", "1"],
    ]
    assert '<td class="num">7,000</td>' in html
    assert "7000.00" not in html.split('<table class="table wide" id="pivot-table">')[1]


@pytest.mark.django_db
def test_pivot_shows_period_change_as_a_percentage_and_export_keeps_raw_values(
    published_warehouse, client, analyst
):
    from dangol.customers.models import CustomerGroup

    CustomerGroup.objects.create(code="retail", name="Retail shoppers", name_ko="소매 고객")
    client.force_login(analyst)
    query = {
        "measures": ["revenue"],
        "by1": "customer_group",
        "date_from": "2025-02-01",
        "date_to": "2025-02-28",
        "compare": "on",
    }

    page = client.get(reverse("analytics:pivot"), query)
    export = client.get(reverse("analytics:pivot_export"), query)

    assert page.context["headers"] == [
        "Customer group",
        "Revenue",
        "Revenue · previous period",
        "Revenue · change",
        "Revenue · change %",
    ]
    # January 7,000 + 3,000 (retail), February 4,500 (retail) and 10,000 (wholesale); a
    # group missing from the database keeps its code.
    assert page.context["records"] == [
        ["Retail shoppers", "4,500", "10,000", "-5,500", "-55.0%"],
        ["wholesale", "10,000", "0", "+10,000", None],
    ]
    with translation.override("ko"):
        korean = client.get(reverse("analytics:pivot"), query, HTTP_ACCEPT_LANGUAGE="ko")
    assert korean.context["records"][0][0] == "소매 고객"
    assert export.content.decode().splitlines() == [
        "customer_group,revenue,revenue_previous,revenue_change,revenue_change_pct",
        "retail,4500.00,10000.00,-5500.00,-55.00",
        "wholesale,10000.00,0.00,10000.00,",
    ]


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
