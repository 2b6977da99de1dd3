"""Ticket and opportunity exports from their lists, and their imports from the UI.

An export carries the list's filters (custom-field filters too) and the user's
visibility; an import of these kinds is open only to the roles whose service rights
cover every record of the kind.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dangol.core.customfields.services import custom_field_create
from dangol.core.models import Job
from dangol.customers.tests.factories import CustomerFactory
from dangol.integration.permissions import import_kinds
from dangol.sales.models import Opportunity, PipelineStage
from dangol.service.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _inline_tasks(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def world(admin_user, sales, other_sales):
    for entity in ("ticket", "opportunity"):
        custom_field_create(
            actor=admin_user,
            entity=entity,
            key="level",
            label="Level",
            field_type="choice",
            choices=["gold|Gold|골드", "silver|Silver|실버"],
            filterable=True,
        )
    mine = CustomerFactory(external_id="MINE", owner=sales)
    theirs = CustomerFactory(external_id="THEIRS", owner=other_sales)
    stage = PipelineStage.objects.get(code="proposal")
    records = {}
    for name, customer, level in (
        ("mine_gold", mine, "gold"),
        ("mine_silver", mine, "silver"),
        ("theirs_gold", theirs, "gold"),
    ):
        records[f"t_{name}"] = Ticket.objects.create(
            customer=customer,
            subject=name,
            channel="email",
            opened_at=timezone.now(),
            thread_token=secrets.token_hex(8),
            custom_fields={"level": level},
        )
        records[f"o_{name}"] = Opportunity.objects.create(
            customer=customer,
            name=name,
            stage=stage,
            amount=Decimal("10.00"),
            expected_close=dt.date(2030, 1, 1),
            owner=customer.owner,
            channel="field",
            custom_fields={"level": level},
        )
    return records


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    return [line.split(",") for line in body]


def test_ticket_export_keeps_the_list_filters_and_visibility(client, world, sales, admin_user):
    client.force_login(sales)
    listing = client.get(reverse("service:ticket_list"), {"status": "", "cf_level": "gold"})
    assert 'href="/service/export.csv?status=&amp;cf_level=gold"' in listing.content.decode()

    response = client.get("/service/export.csv?status=&cf_level=gold")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="dangol-tickets.csv"'
    rows = _rows(response)
    assert rows[0][-1] == "cf_level"
    assert [(r[0], r[2], r[-1]) for r in rows[1:]] == [
        (str(world["t_mine_gold"].pk), "mine_gold", "gold")
    ]

    client.force_login(admin_user)
    everyone = _rows(client.get("/service/export.csv?status=&cf_level=gold"))
    assert [r[2] for r in everyone[1:]] == ["mine_gold", "theirs_gold"]


def test_ticket_export_as_xlsx_and_unknown_suffix(client, world, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("service:ticket_export", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("service:ticket_export", args=["vcf"])).status_code == 404


def test_opportunity_export_keeps_the_board_filters_and_visibility(
    client, world, sales, admin_user, marketing
):
    client.force_login(sales)
    board = client.get(reverse("pipeline:board"), {"cf_level": "gold"})
    assert 'href="/pipeline/export.csv?cf_level=gold"' in board.content.decode()

    rows = _rows(client.get("/pipeline/export.csv?cf_level=gold"))

    assert rows[0][:4] == ["id", "customer_external_id", "name", "stage"]
    assert [(r[0], r[1], r[2], r[-1]) for r in rows[1:]] == [
        (str(world["o_mine_gold"].pk), "MINE", "mine_gold", "gold")
    ]
    client.force_login(admin_user)
    assert [r[2] for r in _rows(client.get("/pipeline/export.csv?mine=1"))[1:]] == []
    assert [r[2] for r in _rows(client.get("/pipeline/export.csv"))[1:]] == [
        "mine_gold",
        "mine_silver",
        "theirs_gold",
    ]
    client.force_login(marketing)
    assert client.get("/pipeline/export.csv").status_code == 403


def test_who_may_import_tickets_and_opportunities(users_by_role):
    kinds = {role.value: [k for k, _label in import_kinds(u)] for role, u in users_by_role.items()}
    assert {
        role: [k for k in ks if k in ("tickets", "opportunities")] for role, ks in kinds.items()
    } == {
        "admin": ["tickets", "opportunities"],
        "manager": [],
        "sales": [],
        "marketing": [],
        "service": ["tickets"],
        "analyst": [],
    }


def _post(client, user, captured, kind: str, text: str, mode: str = "all"):
    client.force_login(user)
    upload = SimpleUploadedFile(f"{kind}.csv", text.encode(), content_type="text/csv")
    with captured(execute=True):
        return client.post(
            reverse("integration:imports"),
            {"kind": kind, "file": upload, "mode": mode, "mapping": "", "encoding": "auto"},
        )


def test_service_imports_tickets_from_the_page_and_is_recorded_as_the_actor(
    client, world, service, django_capture_on_commit_callbacks
):
    from dangol.core.audit.models import AuditEntry

    ticket = world["t_mine_gold"]
    response = _post(
        client,
        service,
        django_capture_on_commit_callbacks,
        "tickets",
        f"id,subject,cf_level\n{ticket.pk},Renamed,silver\n,x,\n",
    )
    job = Job.objects.get()
    assert response.status_code == 302
    assert (job.status, job.result["rejected"]) == ("failed", 1)  # line 3: no customer
    assert Ticket.objects.get(pk=ticket.pk).subject == "mine_gold"

    Job.objects.all().delete()
    _post(
        client,
        service,
        django_capture_on_commit_callbacks,
        "tickets",
        f"id,subject,cf_level\n{ticket.pk},Renamed,silver\n",
    )
    job = Job.objects.get()
    assert (job.status, job.result) == (
        "succeeded",
        {"rows": 1, "created": 0, "updated": 1, "unchanged": 0, "rejected": 0},
    )
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.custom_fields, ticket.version) == (
        "Renamed",
        {"level": "silver"},
        2,
    )
    entry = AuditEntry.objects.get(content_type__model="ticket", object_id=ticket.pk)
    assert (entry.actor, entry.action) == (service, "update")


def test_a_role_without_the_right_cannot_import_the_kind(
    client, world, service, sales, django_capture_on_commit_callbacks
):
    text = (
        "customer_external_id,name,amount,expected_close,owner,channel\n"
        "MINE,X,1,2030-01-01,sales,field\n"
    )
    assert (
        _post(
            client, service, django_capture_on_commit_callbacks, "opportunities", text
        ).status_code
        == 403
    )
    assert (
        _post(client, sales, django_capture_on_commit_callbacks, "tickets", text).status_code == 403
    )
    assert not Job.objects.exists()
    assert Opportunity.objects.count() == 3


def test_hostile_uploads_never_give_a_500(
    client, world, admin_user, django_capture_on_commit_callbacks
):
    script = "<script>alert(1)</script>"
    huge = f"customer_external_id,subject,channel\nMINE,{'x' * 10_000_000},email\n"
    response = _post(client, admin_user, django_capture_on_commit_callbacks, "tickets", huge)
    job = Job.objects.get()
    assert (response.status_code, job.status) == (302, "failed")
    assert "Line 2" in job.error
    assert client.get(response["Location"]).status_code == 200

    Job.objects.all().delete()
    text = f"customer_external_id,subject,channel\nMINE,{script},email\nMINE,a\x00b,email\n"
    _post(client, admin_user, django_capture_on_commit_callbacks, "tickets", text)
    job = Job.objects.get()
    assert (job.status, job.result["rejected"]) == ("failed", 1)
    assert Ticket.objects.filter(subject=script).count() == 0

    Job.objects.all().delete()
    _post(client, admin_user, django_capture_on_commit_callbacks, "tickets", text, mode="skip")
    assert Ticket.objects.filter(subject=script).count() == 1
    page = client.get(reverse("service:ticket_list"), {"status": ""}).content.decode()
    assert script not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
