"""The report page in headless Chromium: the traffic chart, htmx switching reports."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dangol.accounts.roles import Role
from dangol.accounts.tests.factories import TEST_PASSWORD, UserFactory
from dangol.customers.tests.test_browser import _screenshot, browser_page
from dangol.webanalytics.tests.store import PERIOD

__all__ = ["browser_page"]

pytestmark = pytest.mark.browser


def test_traffic_chart_and_menu_switch(live_server, browser_page, web_store, db):
    analyst = UserFactory(username="minji", role=Role.ANALYST)
    page = browser_page
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", analyst.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()

    query = f"?date_from={PERIOD['date_from']}&date_to={PERIOD['date_to']}"
    page.goto(live_server.url + reverse("webanalytics:report", args=["traffic"]) + query)
    page.wait_for_function("window.Chart && Chart.getChart('report-chart') !== undefined")
    datasets = page.evaluate(
        "Chart.getChart('report-chart').data.datasets.map(d => [d.data.reduce((a, b) => a + b, 0)])"
    )
    _screenshot(page, "webanalytics-traffic-ko")
    # visitors, visits, page views; then the previous period's
    assert datasets == [[7], [7], [14], [2], [2], [3]]

    page.click(".wa-menu a[data-slug='entry-pages']")
    page.wait_for_selector("table[data-table='pages']")
    assert "/webanalytics/reports/entry-pages/" in page.url
    assert page.locator(".wa-menu a.current").get_attribute("data-slug") == "entry-pages"
    first = page.locator("table[data-table='pages'] tbody tr").first.inner_text()
    assert first.split("\t")[:2] == ["/", "4"]
    _screenshot(page, "webanalytics-entry-pages-ko")
