"""The home page in a real headless Chromium: a salesperson logs in and sees their charts."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from dangol.accounts.roles import Role
from dangol.accounts.tests.factories import UserFactory
from dangol.customers.tests.factories import CustomerFactory
from dangol.customers.tests.test_browser import _screenshot, browser_page
from dangol.sales.pipeline_services import opportunity_create
from dangol.sales.tests.test_pipeline_browser import log_in, stages

__all__ = ["browser_page", "stages"]
pytestmark = pytest.mark.browser


def test_a_salesperson_lands_on_their_dashboard_with_a_drawn_chart(
    live_server, browser_page, stages
):
    seller = UserFactory(username="minji", role=Role.SALES)
    opportunity_create(
        actor=seller,
        customer=CustomerFactory(owner=seller, name="한빛상사"),
        name="법인 차량 교체",
        amount=48_000_000,
        expected_close=timezone.localdate(),
        channel="field",
    )
    page = browser_page
    log_in(page, live_server, seller)  # the login form's redirect goes home
    assert page.url == live_server.url + reverse("home")

    closing = page.locator("#widget-sales_closing [data-figure='deals'] a")
    closing.wait_for()
    assert closing.inner_text().strip() == "1"
    canvas = page.locator("#widget-sales_pipeline canvas")
    canvas.wait_for()
    # Chart.js marks the canvas it drew on and gives it a size.
    page.wait_for_function(
        "() => { const c = document.querySelector('#widget-sales_pipeline canvas');"
        " return c && c.dataset.drawn === '1' && c.width > 0 && Chart.getChart(c) !== undefined; }"
    )
    for name in ("sales_pipeline", "sales_tasks_today", "sales_closing", "sales_at_risk"):
        assert page.locator(f"#widget-{name} h2").count() == 1, name
    _screenshot(page, "home-sales")

    closing.click()
    page.wait_for_load_state()
    assert "closing=this-month" in page.url
    assert page.locator("[data-card]").count() == 1
