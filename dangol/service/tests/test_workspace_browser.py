"""The agent workspace in a real headless Chromium: find the caller, log the call."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dangol.accounts.roles import Role
from dangol.accounts.tests.factories import TEST_PASSWORD, UserFactory
from dangol.customers.tests.factories import CustomerFactory
from dangol.customers.tests.test_browser import _screenshot, browser_page
from dangol.touchpoints.models import Interaction

__all__ = ["browser_page"]
pytestmark = pytest.mark.browser


def test_find_the_caller_by_phone_and_log_the_call(live_server, browser_page, db):
    agent = UserFactory(username="agent", role=Role.SERVICE)
    caller = CustomerFactory(name="정하늘", phone="010-7777-8888")
    page = browser_page
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", agent.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()

    page.goto(live_server.url + reverse("service:agent"))
    # The search box has the focus: the agent types the number the phone shows.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'caller'")
    page.keyboard.type("01077778888")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{reverse('service:agent_customer', args=[caller.pk])}")
    assert page.locator("h1").inner_text() == "정하늘"

    page.select_option("#id_outcome", "callback")
    page.fill("#id_subject", "배송 문의")
    page.locator("#call-log button[type=submit]").click()
    page.wait_for_load_state()
    page.get_by_text("배송 문의").first.wait_for()
    _screenshot(page, "agent-workspace")
    entry = Interaction.objects.get(customer=caller)
    assert (entry.subject, entry.channel, entry.user) == ("배송 문의", "phone", agent)
