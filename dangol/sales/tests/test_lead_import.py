"""Leads from files: CP949 and UTF-8, duplicates flagged, re-import changes nothing."""

import io

import pytest
from django.core.management import CommandError, call_command

from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.lead_import import leads_import
from dangol.sales.models import Lead

pytestmark = pytest.mark.django_db

GOOD = (
    "name,company_name,email,phone,region,source\n"
    "김서준,서준상사,seojun@x.test,,seoul,event\n"
    "Lee,,,010-2222-3333,,\n"
)


def test_a_cp949_file_imports_flags_duplicates_and_reimports_to_nothing(tmp_path):
    existing = CustomerFactory(email="seojun@x.test")
    path = tmp_path / "leads.csv"
    path.write_bytes(GOOD.encode("cp949"))
    first = leads_import(path=path)
    assert (first.rows, first.created, first.unchanged, first.rejects) == (2, 2, 0, [])
    seojun = Lead.objects.get(email="seojun@x.test")
    assert (seojun.name, seojun.source, seojun.duplicate_of) == ("김서준", "event", existing)
    assert Lead.objects.get(phone_digits="01022223333").source == "import"
    again = leads_import(path=path)
    assert (again.created, again.unchanged) == (0, 2)
    assert Lead.objects.count() == 2


def test_bad_rows_roll_back_by_default_and_are_reported_with_lines(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(GOOD + ",,nobody@x.test,,,\nKim,,not-an-email,,,\nPark,,,,,pigeon\n")
    result = leads_import(path=path)
    assert not result.committed and Lead.objects.count() == 0
    assert [(r.line, r.column) for r in result.rejects] == [
        (4, "name"),
        (5, "email"),
        (6, "source"),
    ]
    assert result.reject_file.read_text(encoding="utf-8-sig").startswith("line,column,value")
    kept = leads_import(path=path, skip_bad=True)
    assert kept.committed and Lead.objects.count() == 2


def test_the_command_reports_and_refuses(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text("company\nX\n")
    with pytest.raises(CommandError, match="needs the columns name"):
        call_command("leads", "import", str(path))
    path.write_text(GOOD)
    out = io.StringIO()
    call_command("leads", "import", str(path), stdout=out)
    assert out.getvalue().strip() == "2 rows imported: 2 created, 0 unchanged, 0 rejected"
