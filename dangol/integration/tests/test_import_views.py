"""Imports from the UI: upload, background job with progress, summary, rejected rows."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangol.catalog.models import Product
from dangol.core.models import Job, JobStatus
from dangol.customers.models import Customer

from .conftest import CUSTOMER_HEADER, CUSTOMER_ROWS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _inline_tasks(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DATA_DIR = tmp_path / "data"


def upload(name: str, text: str, encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def start(client, user, captured, *, kind, file, mode="all", mapping="", encoding="auto"):
    client.force_login(user)
    with captured(execute=True):
        return client.post(
            reverse("integration:imports"),
            {"kind": kind, "file": file, "mode": mode, "mapping": mapping, "encoding": encoding},
        )


def test_customers_import_runs_as_a_job_and_shows_the_summary(
    client, admin_user, other_sales, retail, django_capture_on_commit_callbacks, settings
):
    rows = [*CUSTOMER_ROWS, "C004,person,,bad-email,,,,,,,,,,,,"]  # line 5: no name, bad email
    text = "\n".join([CUSTOMER_HEADER, *rows]) + "\n"
    response = start(
        client,
        admin_user,
        django_capture_on_commit_callbacks,
        kind="customers",
        file=upload("../../고객.csv", text, "cp949"),
        mode="skip",
    )
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("integration:import_detail", args=[job.pk])
    assert (job.kind, job.status, job.created_by) == ("import.customers", "succeeded", admin_user)
    assert job.result == {"rows": 4, "created": 3, "updated": 0, "unchanged": 0, "rejected": 1}
    assert sorted(Customer.objects.values_list("external_id", flat=True)) == [
        "C001",
        "C002",
        "C003",
    ]
    assert Customer.objects.get(external_id="C002").name == "주식회사 단골"  # CP949 detected
    # The upload was saved under a generated name in DATA_DIR/uploads, nowhere else.
    saved = sorted(p.name for p in (settings.DATA_DIR / "uploads").iterdir())
    assert saved == [job.params["file"], job.params["file"] + ".rejects.csv"]
    assert re.fullmatch(r"[0-9a-f]{32}\.csv", job.params["file"])
    assert job.params["name"] == "고객.csv"

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="import-created">3<' in html and 'id="import-rejected">1<' in html
    assert 'data-status="succeeded"' in html and 'hx-trigger="every 1s"' not in html  # done
    download = client.get(reverse("integration:import_rejects", args=[job.pk]))
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode("utf-8-sig").splitlines()
    assert body == [
        "line,column,value,reason",
        "5,email,bad-email,not an email address",
        "5,name,,required value is empty",
    ]
    listing = client.get(reverse("integration:imports")).content.decode()
    assert reverse("integration:import_detail", args=[job.pk]) in listing

    client.force_login(other_sales)  # not the owner: nothing to see
    for name in ("import_detail", "import_summary", "import_rejects"):
        assert client.get(reverse(f"integration:{name}", args=[job.pk])).status_code == 404


def test_a_file_missing_a_column_fails_with_a_clear_error_and_writes_nothing(
    client, admin_user, django_capture_on_commit_callbacks, products
):
    text = "sku,name\nP9,치약\n"  # unit_price is required
    response = start(
        client,
        admin_user,
        django_capture_on_commit_callbacks,
        kind="products",
        file=upload("products.csv", text),
    )
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Missing required column(s): unit_price. The file has: sku, name.")
    assert not Product.objects.filter(sku="P9").exists()
    html = client.get(response["Location"]).content.decode()
    assert "Missing required column(s): unit_price" in html
    assert client.get(reverse("integration:import_rejects", args=[job.pk])).status_code == 404


def test_all_or_nothing_with_bad_rows_keeps_the_summary_and_the_rejects(
    client, admin_user, django_capture_on_commit_callbacks, retail
):
    rows = [*CUSTOMER_ROWS, "C004,person,Kim,,,,2999-01-01,,,,,,,,,"]
    start(
        client,
        admin_user,
        django_capture_on_commit_callbacks,
        kind="customers",
        file=upload("c.csv", "\n".join([CUSTOMER_HEADER, *rows]) + "\n"),
    )
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("1 of 4 rows are bad; nothing was imported.")
    assert job.result == {"rows": 4, "created": 0, "updated": 0, "unchanged": 0, "rejected": 1}
    assert Customer.objects.count() == 0
    download = client.get(reverse("integration:import_rejects", args=[job.pk]))
    assert b"not a plausible date" in b"".join(download.streaming_content)


def test_mapping_and_products_for_a_manager(client, manager, django_capture_on_commit_callbacks):
    text = '상품코드,상품명,가격\nP7,라면,"1,200"\n'
    start(
        client,
        manager,
        django_capture_on_commit_callbacks,
        kind="products",
        file=upload("p.csv", text),
        mapping="상품코드=sku\n상품명=name\n\n가격=unit_price",
    )
    assert Job.objects.get().status == JobStatus.SUCCEEDED
    assert Product.objects.get(sku="P7").name == "라면"


@pytest.mark.parametrize(
    ("role", "kind"),
    [("manager", "customers"), ("manager", "orders"), ("manager", "budgets"), ("sales", "orders")],
)
def test_roles_may_import_only_what_their_services_let_them_write(
    request, client, role, kind, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(role)
    response = start(
        client,
        user,
        django_capture_on_commit_callbacks,
        kind=kind,
        file=upload("x.csv", "a\n1\n"),
    )
    assert response.status_code == 403
    assert Job.objects.count() == 0


@pytest.mark.parametrize("role", ["sales", "marketing", "analyst"])
def test_the_page_and_its_link_are_for_importing_roles_only(request, client, role, admin_user):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("integration:imports")).status_code == 403
    assert (
        reverse("integration:imports") not in client.get(reverse("customers:list")).content.decode()
    )
    client.force_login(admin_user)
    assert reverse("integration:imports") in client.get(reverse("customers:list")).content.decode()


def test_customer_service_may_import_tickets_only(client, service):
    client.force_login(service)
    page = client.get(reverse("integration:imports"))
    assert page.status_code == 200
    assert [kind for kind, _label in page.context["form"].fields["kind"].choices] == ["tickets"]


def test_a_file_type_that_is_not_imported_is_refused(
    client, admin_user, django_capture_on_commit_callbacks, settings
):
    response = start(
        client,
        admin_user,
        django_capture_on_commit_callbacks,
        kind="customers",
        file=upload("evil.sh", "#!/bin/sh\n"),
    )
    assert response.status_code == 400
    assert "Upload a .csv, .txt, .tsv, .xlsx or .vcf file." in response.content.decode()
    assert Job.objects.count() == 0
    assert not (settings.DATA_DIR / "uploads").exists() or not any(
        (settings.DATA_DIR / "uploads").iterdir()
    )
