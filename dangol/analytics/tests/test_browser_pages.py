"""The analytics pages in headless Chromium: the charts and heatmaps are really drawn."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from dangol.accounts.roles import Role
from dangol.accounts.tests.factories import UserFactory
from dangol.analytics.tests.olap.test_browser import _log_in
from dangol.analytics.tests.test_cohorts import PRODUCTS, SALES
from dangol.analytics.tests.test_pages import INTERACTIONS
from dangol.analytics.tests.warehouse_fixture import publish_test_warehouse
from dangol.customers.tests.test_browser import _screenshot, browser_page

__all__ = ["browser_page"]

pytestmark = pytest.mark.browser


@pytest.fixture
def warehouse(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return publish_test_warehouse(
        tmp_path,
        customers=[{"customer_id": c} for c in range(1, 6)],
        products=PRODUCTS,
        sales=SALES,
        interactions=INTERACTIONS,
    )


def _open(page, live_server, name: str, **query) -> None:
    page.goto(live_server.url + reverse(f"analytics:{name}") + "?" + urlencode(query))


def test_analytics_pages_draw_their_charts(live_server, browser_page, warehouse, db):
    page = browser_page
    _log_in(page, live_server, UserFactory(username="minji", role=Role.ANALYST))

    _open(page, live_server, "cohorts", as_of="2025-03-31", since="2025-01-01")
    rows = page.locator("#cohort-heatmap tbody tr").all_inner_texts()
    _screenshot(page, "analytics-cohorts-ko")
    assert [r.split("\t") for r in rows] == [
        ["2025-01", "2", "100.0%", "50.0%", "100.0%"],
        ["2025-02", "1", "100.0%", "0.0%", ""],
        ["2025-03", "1", "100.0%", "", ""],
    ]

    _open(page, live_server, "rfm", as_of="2025-03-31", compare_to="2025-01-31")
    page.wait_for_function("window.Chart && Chart.getChart('rfm-distribution') !== undefined")
    customers = page.evaluate("Chart.getChart('rfm-distribution').data.datasets[0].data")
    _screenshot(page, "analytics-rfm-ko")
    assert sum(customers) == 4
    assert page.locator("#rfm-migration tbody tr").count() >= 2

    _open(page, live_server, "pareto", as_of="2025-03-31")
    page.wait_for_function("window.Chart && Chart.getChart('pareto-lorenz') !== undefined")
    lorenz = page.evaluate("Chart.getChart('pareto-lorenz').data.datasets[0].data")
    _screenshot(page, "analytics-pareto-ko")
    assert (len(lorenz), lorenz[0], lorenz[100]) == (101, 0, 1)

    _open(page, live_server, "profitability", as_of="2025-03-31", by="customer")
    page.wait_for_function("window.Chart && Chart.getChart('profit-chart') !== undefined")
    labels = page.evaluate("Chart.getChart('profit-chart').data.labels")
    _screenshot(page, "analytics-profitability-ko")
    assert sorted(labels) == ["1", "2", "3", "4"]
