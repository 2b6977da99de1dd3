"""``audit_records_bulk``: one history entry per changed record, in one INSERT."""

from __future__ import annotations

import pytest

from dangol.core.audit.models import AuditEntry
from dangol.core.audit.recording import audit_as, audit_records_bulk, audit_snapshot
from dangol.customers.models import Customer
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_entries_continue_each_records_sequence_and_skip_no_change(admin_user):
    created = CustomerFactory(name="New")
    changed = CustomerFactory(name="Old")
    same = CustomerFactory(name="Same")
    AuditEntry.objects.create(
        content_type_id=_content_type_id(), object_id=changed.pk, seq=4, action="update"
    )
    before_changed, before_same = audit_snapshot(changed), audit_snapshot(same)
    changed.name = "Renamed"

    count = audit_records_bulk(
        model=Customer,
        actor=admin_user,
        changes=[(created, None), (changed, before_changed), (same, before_same)],
        note="import x.csv",
    )

    assert count == 2
    rows = AuditEntry.objects.filter(actor=admin_user).order_by("object_id")
    assert list(rows.values_list("object_id", "seq", "action", "note")) == [
        (created.pk, 1, "create", "import x.csv"),
        (changed.pk, 5, "update", "import x.csv"),
    ]
    assert rows.get(object_id=changed.pk).changes == {"name": ["Old", "Renamed"]}


def test_an_override_relabels_updates(admin_user):
    customer = CustomerFactory(name="Old")
    before = audit_snapshot(customer)
    customer.name = "New"
    with audit_as("revert", "back to 1"):
        audit_records_bulk(model=Customer, actor="import", changes=[(customer, before)])
    entry = AuditEntry.objects.get(object_id=customer.pk)
    assert (entry.action, entry.note, entry.actor_label) == ("revert", "back to 1", "import")


def _content_type_id() -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Customer).pk
