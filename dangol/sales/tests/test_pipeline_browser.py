"""The pipeline board in a real headless Chromium: drag a card to another stage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from dangol.accounts.roles import Role
from dangol.accounts.tests.factories import TEST_PASSWORD, UserFactory
from dangol.customers.tests.factories import CustomerFactory
from dangol.customers.tests.test_browser import _screenshot, browser_page
from dangol.sales.models import Opportunity
from dangol.sales.pipeline_services import opportunity_create

__all__ = ["browser_page"]
pytestmark = pytest.mark.browser


def log_in(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()


def drag(page, card, column) -> None:
    """Drag ``card`` onto ``column`` with real mouse steps (HTML5 drag and drop)."""
    card.hover()
    page.mouse.down()
    box = column.bounding_box()
    # Two moves: Chromium starts the HTML5 drag on the first and fires dragover on the next.
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 40, steps=5)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 60, steps=5)
    page.mouse.up()


@pytest.fixture
def stages(db):
    """The seeded pipeline stages; a transactional test before this one flushed them."""
    import importlib

    from django.apps import apps

    from dangol.sales.models import PipelineStage

    if not PipelineStage.objects.exists():
        importlib.import_module("dangol.sales.migrations.0003_pipeline_stages").seed(apps, None)


def test_drag_a_card_to_proposal_then_lose_it_with_a_reason(live_server, browser_page, stages):
    seller = UserFactory(username="jiwoo", role=Role.SALES)
    opportunity = opportunity_create(
        actor=seller,
        customer=CustomerFactory(owner=seller, name="한빛상사"),
        name="법인 차량 교체",
        amount=48_000_000,
        expected_close=dt.date(2026, 12, 20),
        channel="field",
    )
    page = browser_page
    log_in(page, live_server, seller)
    page.goto(live_server.url + reverse("pipeline:board"))

    card = page.locator(f"[data-card][data-id='{opportunity.pk}']")
    drag(page, card, page.locator("section[data-stage='proposal']"))
    page.locator("[data-stage='proposal'] [data-card]").first.wait_for()
    page.wait_for_function("document.getElementById('board-status').textContent.length > 0")
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "proposal"
    _screenshot(page, "pipeline-board")

    # Dropping on "lost" asks why; the move happens only with a reason.
    drag(page, card, page.locator("section[data-stage='lost']"))
    dialog = page.locator("#loss-dialog")
    dialog.wait_for(state="visible")
    dialog.locator("select").select_option("competitor")
    dialog.locator("button[value=ok]").click()
    page.locator("[data-stage='lost'] [data-card]").first.wait_for()
    moved = Opportunity.objects.get(pk=opportunity.pk)
    assert (moved.stage.code, moved.loss_reason) == ("lost", "competitor")
