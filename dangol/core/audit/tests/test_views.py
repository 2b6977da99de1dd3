"""The history section, revert, trash page, restore, purge and privacy pages."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from dangol.core.audit.models import AuditEntry
from dangol.core.audit.services import record_trash
from dangol.customers.models import Customer
from dangol.customers.services import customer_create, customer_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(admin_user):
    customer = customer_create(actor=admin_user, name="Seo Yeon", email="seo@example.test")
    customer_update(actor=admin_user, customer=customer, name="Seo Yeon Kim", status="customer")
    return customer


def test_the_360_page_loads_the_history_with_labels_and_restore_buttons(
    client, admin_user, customer
):
    client.force_login(admin_user)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert reverse("audit:history", args=["customer", customer.pk]) in page
    history = client.get(reverse("audit:history", args=["customer", customer.pk]))
    html = history.content.decode()
    assert history.status_code == 200
    assert "Name</span>: <del>Seo Yeon</del> → <ins>Seo Yeon Kim</ins>" in html
    assert "Lifecycle status</span>: <del>Lead</del> → <ins>Customer</ins>" in html
    assert html.count("Restore this version") == 1  # not on the current version
    assert "Export personal data" in html and "Move to trash" in html


def test_the_history_speaks_korean(client, admin_user, customer):
    client.force_login(admin_user)
    html = client.get(
        reverse("audit:history", args=["customer", customer.pk]), HTTP_ACCEPT_LANGUAGE="ko"
    ).content.decode()
    assert "이력" in html


def test_restore_this_version_posts_a_revert(client, admin_user, customer):
    client.force_login(admin_user)
    response = client.post(
        reverse("audit:revert", args=["customer", customer.pk]), {"version": "1"}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.status, customer.version) == ("Seo Yeon", "lead", 3)
    assert AuditEntry.objects.filter(object_id=customer.pk, action="revert").count() == 1


def test_a_sales_rep_cannot_see_the_trash_or_trash_or_erase(client, sales):
    mine = customer_create(actor=sales, name="Rep's own")
    client.force_login(sales)
    assert client.get(reverse("audit:trash")).status_code == 403
    assert client.post(reverse("audit:trash_record", args=["customer", mine.pk])).status_code == 403
    mine.refresh_from_db()
    assert mine.deleted_at is None
    assert client.get(reverse("audit:privacy_erase", args=[mine.pk])).status_code == 403
    assert client.get(reverse("audit:privacy_export", args=[mine.pk])).status_code == 403
    html = client.get(reverse("audit:history", args=["customer", mine.pk])).content.decode()
    assert "Move to trash" not in html and "Erase personal data" not in html


def test_refused_history_posts_answer_403_and_change_nothing(
    client, admin_user, analyst, sales, customer
):
    """Revert, trash and restore posted by a role that may not: 403, not a redirect."""
    binned = record_trash(instance=customer_create(actor=sales, name="Binned"), actor=admin_user)
    client.force_login(analyst)
    revert = client.post(reverse("audit:revert", args=["customer", customer.pk]), {"version": "1"})
    client.force_login(sales)
    restore = client.post(reverse("audit:restore", args=["customer", binned.pk]))

    assert (revert.status_code, restore.status_code) == (403, 403)
    customer.refresh_from_db()
    binned.refresh_from_db()
    assert (customer.name, customer.version) == ("Seo Yeon Kim", 2)
    assert binned.deleted_at is not None


def test_trash_banner_trash_page_restore_and_purge(client, admin_user, customer):
    client.force_login(admin_user)
    client.post(reverse("audit:trash_record", args=["customer", customer.pk]))
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'id="trash-banner"' in page
    listed = client.get(reverse("customers:list")).content.decode()
    assert "Seo Yeon Kim" not in listed
    trash = client.get(reverse("audit:trash")).content.decode()
    assert f'<tr data-id="{customer.pk}">' in trash
    assert "Delete permanently" in trash
    # Typed confirmation: a wrong name deletes nothing.
    purge = reverse("audit:purge", args=["customer", customer.pk])
    assert client.post(purge, {"confirmation": "Seo"}).status_code == 200
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert client.post(purge, {"confirmation": "Seo Yeon Kim"}).status_code == 302
    assert not Customer.objects.filter(pk=customer.pk).exists()


def test_restore_from_the_trash_page(client, manager, admin_user):
    customer = customer_create(actor=admin_user, name="Team customer", owner=manager)
    record_trash(instance=customer, actor=manager)
    client.force_login(manager)
    trash = client.get(reverse("audit:trash")).content.decode()
    assert "Delete permanently" not in trash  # managers restore; admins purge
    response = client.post(
        reverse("audit:restore", args=["customer", customer.pk]),
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    customer.refresh_from_db()
    assert customer.deleted_at is None


def test_export_download_and_typed_erasure(client, admin_user, customer):
    client.force_login(admin_user)
    download = client.get(reverse("audit:privacy_export", args=[customer.pk]))
    assert download["Content-Disposition"].startswith("attachment;")
    assert json.loads(download.content)["profile"]["email"] == "seo@example.test"
    erase = reverse("audit:privacy_erase", args=[customer.pk])
    refused = client.post(erase, {"confirmation": "someone", "reason": "DSR-1"})
    assert refused.status_code == 200 and "does not match" in refused.content.decode()
    customer.refresh_from_db()
    assert customer.email == "seo@example.test"
    done = client.post(erase, {"confirmation": "Seo Yeon Kim", "reason": "DSR-1"})
    assert done.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.email) == (f"Erased customer #{customer.pk}", "")
