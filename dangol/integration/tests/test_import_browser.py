"""In a real headless Chromium: upload a file on the imports page and watch the job finish."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dangol.accounts.roles import Role
from dangol.accounts.tests.factories import TEST_PASSWORD, UserFactory
from dangol.core.models import Job
from dangol.customers.models import Customer
from dangol.customers.tests.test_browser import browser_page  # noqa: F401  (fixture)

from .conftest import customers_csv

pytestmark = pytest.mark.browser


def test_upload_a_file_and_see_the_import_finish(
    live_server,
    browser_page,  # noqa: F811
    settings,
    tmp_path,
    retail,
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DATA_DIR = tmp_path / "data"
    admin = UserFactory(username="jiwoo", role=Role.ADMIN)
    path = customers_csv(tmp_path)
    page = browser_page

    page.goto(live_server.url + reverse("integration:imports"))
    page.fill("#id_username", admin.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r".*/integration/imports/$"))

    page.set_input_files("#id_file", str(path))
    page.select_option("#id_kind", "customers")
    page.click("#import-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/integration/imports/\d+/$"))
    page.locator(".job-progress[data-status=succeeded]").wait_for()
    assert page.locator("#import-created").inner_text() == "3"
    assert page.locator("#import-rejected").inner_text() == "0"
    assert Customer.objects.count() == 3
    assert Job.objects.get().status == "succeeded"
    page.get_by_role("link", name=re.compile("Imports|가져오기")).first.click()
    page.wait_for_url(re.compile(r".*/integration/imports/$"))
    assert page.locator("#recent-imports tbody tr").count() == 1
