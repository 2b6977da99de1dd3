"""The pivot page in headless Chromium: Chart.js draws the bar chart, JS builds the heatmap."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from dangol.accounts.roles import Role
from dangol.accounts.tests.factories import TEST_PASSWORD, UserFactory
from dangol.customers.tests.test_browser import _screenshot, browser_page

__all__ = ["browser_page"]

pytestmark = pytest.mark.browser


def _log_in(page, live_server, user) -> None:
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()


def test_pivot_draws_bar_chart_and_heatmap(live_server, browser_page, published_warehouse, db):
    analyst = UserFactory(username="jiwoo", role=Role.ANALYST)
    page = browser_page
    _log_in(page, live_server, analyst)
    query = {"measures": "revenue", "by1": "region", "by2": "month"}

    page.goto(live_server.url + reverse("analytics:pivot") + "?" + urlencode(query))
    page.wait_for_function("window.Chart && Chart.getChart('pivot-chart') !== undefined")
    datasets = page.evaluate(
        "Chart.getChart('pivot-chart').data.datasets.map(d => [d.label, d.data])"
    )
    _screenshot(page, "pivot-bar-ko")

    # Region codes appear by their (Korean, the browser's language) names.
    assert page.evaluate("Chart.getChart('pivot-chart').data.labels") == ["부산", "서울"]
    assert datasets == [
        ["2025-01", [3000, 7000]],
        ["2025-02", [None, 4500 + 10000]],
        ["2025-03", [None, 5000]],
    ]

    page.goto(
        live_server.url
        + reverse("analytics:pivot")
        + "?"
        + urlencode({**query, "chart": "heatmap"})
    )
    cells = page.locator("#pivot-heatmap tbody tr").all_inner_texts()
    _screenshot(page, "pivot-heatmap-ko")

    assert [c.split("\t") for c in cells] == [
        ["부산", "3,000", "", ""],
        ["서울", "7,000", "14,500", "5,000"],
    ]
