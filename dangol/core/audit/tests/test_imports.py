"""Bulk imports leave one summary entry per import, not a row per record."""

from __future__ import annotations

import pytest

from dangol.core.audit.models import AuditEntry
from dangol.customers.models import Customer
from dangol.integration.importers import import_file

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "external_id,kind,name,email,phone,region,status"
ROWS = [
    "X1,person,Kim A,a@example.test,010-1111-2222,seoul,customer",
    "X2,person,Lee B,b@example.test,010-3333-4444,busan,lead",
]


def test_an_import_records_one_summary_entry(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    import_file(kind="customers", path=path)
    assert Customer.objects.count() == 2
    entries = list(AuditEntry.objects.values_list("action", "object_id", "actor_label", "note"))
    assert entries == [("import", None, "import", "customers import: people.csv")]
    assert AuditEntry.objects.get().snapshot == {
        "counts": {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    }
