"""In a real headless Chromium: an admin builds a rule, switches it on, and sees it fire."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dangol.accounts.models import Notification
from dangol.accounts.roles import Role
from dangol.accounts.tests.factories import TEST_PASSWORD, UserFactory
from dangol.automation.models import Rule, RuleRun
from dangol.customers.services import customer_update
from dangol.customers.tests.factories import CustomerFactory
from dangol.customers.tests.test_browser import _screenshot, browser_page

__all__ = ["browser_page"]
pytestmark = pytest.mark.browser


def test_admin_builds_a_rule_and_sees_it_fire(live_server, browser_page, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    admin = UserFactory(username="boss", role=Role.ADMIN)
    seoul = CustomerFactory(name="서울 고객", region="seoul", city="Mapo-gu")
    busan = CustomerFactory(name="부산 고객", region="busan", city="Haeundae-gu")
    page = browser_page
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", admin.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()

    page.goto(live_server.url + reverse("automation:rule_new"))
    page.fill("#id_name", "Seoul watch")
    # Each of these redraws part of the form through htmx: wait for that answer before
    # the next step, or the redraw could replace what the next step typed.
    with page.expect_response("**/automation/rules/form/"):
        page.select_option("#id_trigger", "updated")
    page.locator("#tc_fields").wait_for()
    # Conditions: the segment builder; "+ condition" adds one, then region = Seoul.
    with page.expect_response("**/marketing/segments/builder/"):
        page.locator("#rule-builder button[hx-vals*='add:r']").first.click()
    page.locator("select[name='r.0:field']").wait_for()
    with page.expect_response("**/marketing/segments/builder/"):
        page.select_option("select[name='r.0:field']", "region")
    with page.expect_response("**/marketing/segments/builder/"):
        page.select_option("select[name='r.0:value']", "seoul")
    # Then: notify me.
    with page.expect_response("**/automation/rules/form/"):
        page.select_option("#a0-type", "notify")
    page.select_option("#a0-user", "rule_owner")
    page.fill("#a0-text", "{{ customer.name }} was updated")
    page.check("#id_active")
    _screenshot(page, "automation-rule-builder")
    page.click("#save-rule")
    page.wait_for_url("**/automation/rules/*/")
    rule = Rule.objects.get(name="Seoul watch")
    assert rule.active is True
    assert rule.conditions == {"and": [{"field": "region", "op": "eq", "value": "seoul"}]}
    assert rule.actions == [
        {"type": "notify", "user": "rule_owner", "text": "{{ customer.name }} was updated"}
    ]

    # Someone updates two customers; only the Seoul one matches.
    customer_update(actor=admin, customer=seoul, city="Jongno-gu")
    customer_update(actor=admin, customer=busan, city="Suyeong-gu")

    page.goto(live_server.url + reverse("automation:rule_runs", args=[rule.pk]))
    rows = page.locator("#runs tbody tr.run-succeeded")
    rows.first.wait_for()
    assert rows.count() == 1
    assert f"#{seoul.pk}" in rows.first.inner_text()
    assert "notified boss" in rows.first.inner_text()
    _screenshot(page, "automation-run-log")
    assert list(RuleRun.objects.values_list("record_id", "trigger_key")) == [
        (seoul.pk, "updated:v2")
    ]
    [note] = Notification.objects.filter(user=admin)
    assert (note.text, note.url) == ("서울 고객 was updated", f"/customers/{seoul.pk}/")
