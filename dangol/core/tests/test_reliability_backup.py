"""``dangol backup`` and ``dangol restore``: a round trip on the database this run uses.

Runs on SQLite and on PostgreSQL (the suite runs on both). The tests commit for real
(``transaction=True``): a backup reads what is committed, as it would in production.
"""

from __future__ import annotations

import io
import tarfile
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from dangol.core.backup import table_checksums
from dangol.customers.models import Customer
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "data"
    (path / "warehouse").mkdir(parents=True)
    (path / "warehouse" / "CURRENT").write_text("wh-2.duckdb\n")
    (path / "warehouse" / "wh-2.duckdb").write_bytes(b"current warehouse")
    (path / "warehouse" / "wh-1.duckdb").write_bytes(b"stale generation")
    (path / "jobs").mkdir()
    (path / "jobs" / "7.json").write_text('{"done": 3}')
    with override_settings(DATA_DIR=path):
        yield path


def _world():
    customers = [CustomerFactory(name=f"고객 {n}", email=f"c{n}@x.test") for n in range(5)]
    for customer in customers[:3]:
        order = OrderFactory(customer=customer)
        OrderLineFactory(order=order, quantity=2, unit_price=Decimal("1250.50"))
    return customers


def test_round_trip_restores_every_table_and_the_data_files(data_dir, tmp_path):
    _world()
    before = table_checksums()
    archive = tmp_path / "out" / "backup.tar.gz"
    out = io.StringIO()
    call_command("backup", output=archive, stdout=out)
    assert archive.is_file()
    assert "Backed up" in out.getvalue()
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"data/warehouse/CURRENT", "data/warehouse/wh-2.duckdb", "data/jobs/7.json"} <= names
    assert "data/warehouse/wh-1.duckdb" not in names  # a stale generation is left out
    assert before["customers_customer"]["rows"] == 5
    assert before["sales_orderline"]["rows"] == 3

    # Change everything after the backup: rows and files.
    Customer.objects.filter(name="고객 0").update(name="changed")
    CustomerFactory(name="added after the backup")
    (data_dir / "warehouse" / "CURRENT").write_text("wh-3.duckdb\n")
    (data_dir / "jobs" / "7.json").unlink()
    assert table_checksums() != before

    with pytest.raises(CommandError, match="already holds data; restore with --force"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert Customer.objects.filter(name="added after the backup").exists()

    out = io.StringIO()
    call_command("restore", str(archive), force=True, stdout=out)
    assert "every table's rows match the backup" in out.getvalue()
    assert table_checksums() == before
    assert sorted(Customer.objects.values_list("name", flat=True)) == [
        f"고객 {n}" for n in range(5)
    ]
    assert (data_dir / "warehouse" / "CURRENT").read_text() == "wh-2.duckdb\n"
    assert (data_dir / "jobs" / "7.json").read_text() == '{"done": 3}'


def test_restore_into_an_empty_database_needs_no_force(data_dir, tmp_path):
    _world()
    before = table_checksums()
    archive = tmp_path / "b.tar.gz"
    call_command("backup", output=archive, stdout=io.StringIO())
    from django.core.management import call_command as cc

    cc("flush", interactive=False, verbosity=0)
    assert Customer.objects.count() == 0
    call_command("restore", str(archive), stdout=io.StringIO())
    assert table_checksums() == before


def test_restore_refuses_what_is_not_a_backup_and_paths_out_of_the_directory(data_dir, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as tar:
        info = tarfile.TarInfo("hello.txt")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(CommandError, match=r"manifest\.json is missing"):
        call_command("restore", str(bogus), stdout=io.StringIO())

    # A real backup with a member that climbs out of the data directory.
    archive = tmp_path / "good.tar.gz"
    call_command("backup", output=archive, stdout=io.StringIO())
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(evil, "w:gz") as dst:
        for member in src.getmembers():
            dst.addfile(member, src.extractfile(member))
        payload = b"owned"
        info = tarfile.TarInfo("data/../../escaped.txt")
        info.size = len(payload)
        dst.addfile(info, io.BytesIO(payload))
    CustomerFactory(name="kept")
    with pytest.raises(CommandError, match="would be written outside the data directory"):
        call_command("restore", str(evil), force=True, stdout=io.StringIO())
    assert Customer.objects.filter(name="kept").exists()  # nothing was changed
    assert not (tmp_path / "escaped.txt").exists()
    assert not (data_dir.parent / "escaped.txt").exists()


def test_restore_erases_again_whoever_was_erased_after_the_backup(data_dir, tmp_path):
    """A backup taken before an erasure must not bring the person back (docs/privacy.md)."""
    from dangol.core.audit.models import AuditEntry
    from dangol.customers.erasure_log import erasure_log_read
    from dangol.customers.privacy import customer_erase

    customers = _world()
    earlier = customers[4]
    customer_erase(customer=earlier, actor=None, reason="request 1, before the backup")
    archive = tmp_path / "b.tar.gz"
    call_command("backup", output=archive, stdout=io.StringIO())
    person = customers[1]
    customer_erase(customer=person, actor=None, reason="request 2, after the backup")
    assert set(erasure_log_read()) == {earlier.pk, person.pk}

    out = io.StringIO()
    call_command("restore", str(archive), force=True, stdout=out)

    assert f"Erased again 1 customer(s) erased after the backup was taken: {person.pk}" in (
        out.getvalue()
    )
    restored = Customer.objects.get(pk=person.pk)
    assert (restored.name, restored.email) == (f"Erased customer #{person.pk}", "")
    assert not Customer.objects.filter(email="c1@x.test").exists()
    # The log kept both lines (merged, not overwritten by the backup's older copy), and
    # the earlier erasure, already in the backup, was not applied twice.
    assert set(erasure_log_read()) == {earlier.pk, person.pk}
    erase_entries = AuditEntry.objects.filter(action="erase").values_list("object_id", flat=True)
    assert sorted(erase_entries) == sorted([earlier.pk, person.pk])
