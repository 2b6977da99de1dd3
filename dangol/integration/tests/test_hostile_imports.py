"""Hostile imports: broken UTF-8, path traversal in upload and export names, script tags.

Every case ends with a clear error naming where the file is wrong, or the data stored
literally; never a half-written import or a file outside its directory.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dangol.core.models import Job
from dangol.customers.models import Customer
from dangol.integration.errors import DangolError
from dangol.integration.importers import import_file

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
SQL = "x'); DROP TABLE customers_customer;--"


@pytest.fixture(autouse=True)
def _inline(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()


def _csv_bytes() -> bytes:
    return (
        b"external_id,name,email\n"
        b"H1,\xea\xb9\x80\xec\xb2\xa0\xec\x88\x98,kim@x.test\n"  # 김철수
        b"H2,bad \xff\xfe name,bad@x.test\n"
        b"H3,Lee,lee@x.test\n"
    )


def test_invalid_utf8_in_a_csv_names_line_and_column_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(_csv_bytes())
    with pytest.raises(DangolError) as info:
        import_file(kind="customers", path=path, encoding="utf-8")
    assert "not valid utf-8 at line 3, column 8 (byte 54)" in info.value.message
    assert Customer.objects.count() == 0


def test_undecodable_bytes_without_an_encoding_are_named_too(tmp_path):
    # Not UTF-8, so the CP949 fallback is tried, which fails on line 2 (UTF-8 Korean
    # is not CP949); the column counts bytes.
    path = tmp_path / "bad.csv"
    path.write_bytes(_csv_bytes())
    with pytest.raises(DangolError, match=r"not valid cp949 at line 2, column 6"):
        import_file(kind="customers", path=path)
    assert Customer.objects.count() == 0


def test_invalid_utf8_in_a_vcard_is_named_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.vcf"
    path.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kim\r\nEMAIL:k@x.test\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad \xc3\x28\r\nEND:VCARD\r\n"
    )
    with pytest.raises(DangolError, match=r"not valid utf-8 at line 8, column 8"):
        import_file(kind="customers", path=path, encoding="utf-8")
    assert Customer.objects.count() == 0


def test_script_tags_and_sql_in_an_xlsx_are_stored_literally_and_shown_escaped(
    tmp_path, admin_user
):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["external_id", "name", "email"])
    sheet.append(["X1", SCRIPT, "s@x.test"])
    sheet.append(["X2", SQL, "q@x.test"])
    path = tmp_path / "hostile.xlsx"
    book.save(path)
    result = import_file(kind="customers", path=path)
    assert result.inserted == 2
    assert set(Customer.objects.values_list("name", flat=True)) == {SCRIPT, SQL}
    client = Client()
    client.force_login(admin_user)
    pk = Customer.objects.get(external_id="X1").pk
    html = client.get(f"/customers/{pk}/").content.decode()
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "name",
    [
        "../../../escaped.csv",
        "/var/absolute-escaped.csv",
        "..\\..\\windows-escaped.csv",
        "sub/dir/../../../escaped.csv",
        "%2e%2e%2fencoded.csv",
    ],
)
def test_upload_names_never_place_a_file_outside_the_upload_directory(
    name, admin_user, settings, tmp_path, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(admin_user)
    before = {p for p in tmp_path.rglob("*")}
    upload = SimpleUploadedFile(name, b"external_id,name\nT1,Traversal\n", content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("integration:imports"),
            {"kind": "customers", "file": upload, "mode": "all", "mapping": "", "encoding": "auto"},
        )
    assert response.status_code == 302
    job = Job.objects.get()
    uploads = settings.DATA_DIR / "uploads"
    stored = uploads / job.params["file"]
    # The stored name is generated (hex + extension); the client's name is kept as text only.
    assert stored.parent == uploads
    assert job.params["file"].endswith(".csv") and "/" not in job.params["file"]
    assert ".." not in job.params["file"]
    new_files = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    assert all(uploads in p.parents for p in new_files if "uploads" in p.parts), new_files
    assert not any(p.name.endswith("escaped.csv") for p in tmp_path.parent.rglob("*escaped.csv"))
    assert Customer.objects.filter(name="Traversal").count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/customers/export.csv%2F..%2F..%2Fetc%2Fpasswd",
        "/customers/export.../../settings",
        "/orders/export.x%00.csv",
    ],
)
def test_export_names_cannot_be_steered(path, admin_user):
    client = Client()
    client.force_login(admin_user)
    response = client.get(path)
    assert response.status_code == 404


def test_export_file_names_are_fixed_by_the_server(admin_user):
    client = Client()
    client.force_login(admin_user)
    response = client.get("/customers/export.csv", {"q": "../../x"})
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert ".." not in disposition and "/" not in disposition.split("filename=")[-1]


def test_an_xlsx_that_is_not_a_zip_is_a_clear_error(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(io.BytesIO(b"<script>not a workbook</script>").getvalue())
    with pytest.raises(DangolError) as info:
        import_file(kind="customers", path=path)
    assert "xlsx" in info.value.message.lower() or "excel" in info.value.message.lower()
    assert Customer.objects.count() == 0
