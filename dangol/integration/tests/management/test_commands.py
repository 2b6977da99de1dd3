"""The ``dangol import`` and ``dangol export`` commands: summary, exit status, files."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from dangol.customers.models import Customer

from ..conftest import customers_csv, write


@pytest.mark.django_db
def test_import_prints_the_summary(tmp_path, retail):
    out = io.StringIO()
    call_command("import", "customers", str(customers_csv(tmp_path)), stdout=out)
    text = out.getvalue()
    assert "rows read: 3" in text
    assert "inserted:  3" in text
    assert "rejected:  0" in text


@pytest.mark.django_db
def test_import_fails_with_rejects_and_names_the_reject_file(tmp_path):
    path = write(tmp_path, "c.csv", "external_id,name,email\nA1,이름,nope\n")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 rows are bad; nothing was imported"):
        call_command("import", "customers", str(path), stdout=out, stderr=err)
    assert "line 2, email: not an email address ('nope')" in err.getvalue()
    assert f"rejects:   {path}.rejects.csv" in out.getvalue()
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_import_with_map_and_skip_bad(tmp_path):
    path = write(tmp_path, "c.csv", "id,이름\nA1,김하나\nA2,\n")
    out = io.StringIO()
    call_command(
        "import",
        "customers",
        str(path),
        "--map",
        "id=external_id",
        "--map",
        "이름=name",
        "--skip-bad",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "inserted:  1" in out.getvalue()
    assert list(Customer.objects.values_list("name", flat=True)) == ["김하나"]


@pytest.mark.django_db
def test_missing_column_is_a_command_error(tmp_path):
    path = write(tmp_path, "c.csv", "external_id\nA1\n")
    with pytest.raises(CommandError, match="Missing required column"):
        call_command("import", "customers", str(path), stdout=io.StringIO())


@pytest.mark.django_db
def test_export_writes_file(tmp_path, retail):
    call_command("import", "customers", str(customers_csv(tmp_path)), stdout=io.StringIO())
    target = tmp_path / "out.xlsx"
    err = io.StringIO()
    call_command(
        "export",
        "customers",
        "--format",
        "xlsx",
        "--out",
        str(target),
        "--region",
        "seoul",
        stderr=err,
    )
    assert target.stat().st_size > 0
    assert "1 customers rows exported" in err.getvalue()
    with pytest.raises(CommandError, match="needs --out"):
        call_command("export", "orders", "--format", "xlsx")
