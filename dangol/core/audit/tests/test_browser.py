"""In headless Chromium: open a customer's history, restore a version, trash and restore."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dangol.accounts.roles import Role
from dangol.accounts.tests.factories import TEST_PASSWORD, UserFactory
from dangol.customers.models import Customer
from dangol.customers.services import customer_create, customer_update
from dangol.customers.tests.test_browser import browser_page  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


def test_history_restore_trash_and_back(live_server, browser_page, db):  # noqa: F811
    admin = UserFactory(username="boss", role=Role.ADMIN)
    customer = customer_create(actor=admin, name="박서준", city="수원")
    customer_update(actor=admin, customer=customer, city="부산")
    page = browser_page
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "boss")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    page.goto(live_server.url + reverse("customers:detail", args=[customer.pk]))
    history = page.locator("#history")
    history.wait_for()
    history.locator("summary").click()
    entry = page.locator(".history-entry[data-version='2']")
    assert "부산" in entry.inner_text() and "수원" in entry.inner_text()
    page.locator(".history-entry[data-version='1'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/customers/{customer.pk}/$"))
    customer.refresh_from_db()
    assert customer.city == "수원"
    page.locator("#history summary").click()
    page.locator("#history form[action$='/trash/'] button").click()
    page.locator("#trash-banner").wait_for()
    assert Customer.objects.get(pk=customer.pk).deleted_at is not None
    page.locator("#trash-banner button").click()
    page.wait_for_load_state()
    assert page.locator("#trash-banner").count() == 0
    assert Customer.objects.get(pk=customer.pk).deleted_at is None
