"""Tickets and opportunities: export, import, and custom fields surviving both (issue 10).

Every custom-field type is defined on both entities; a round trip exports, wipes or
alters, imports and compares every exported value exactly. Bad rows are rejected with
their line, column and reason and leave the database unchanged unless skip-bad.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from dangol.catalog.tests.factories import ProductFactory
from dangol.core.audit.models import AuditEntry
from dangol.core.customfields.services import custom_field_create
from dangol.customers.tests.factories import CustomerFactory
from dangol.integration.errors import ImportFileError, RejectedRowsError
from dangol.integration.exporters import export_opportunities, export_tickets
from dangol.integration.importers import import_file
from dangol.sales.models import Opportunity, OpportunityStageChange, PipelineStage
from dangol.sales.pipeline_services import pipeline_stages_ensure
from dangol.service.models import Ticket, TicketChange
from dangol.service.tests.factories import QueueFactory, TicketCategoryFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHOICES = ["gold|Gold|골드", "silver|Silver|실버", "bronze|Bronze|브론즈"]
SPECS = [
    ("note", "text", {}),
    ("visits", "number", {}),
    ("ratio", "number", {}),
    ("credit", "money", {}),
    ("due", "date", {}),
    ("level", "choice", {"choices": CHOICES}),
    ("tags", "multichoice", {"choices": CHOICES}),
    ("vip", "boolean", {}),
    ("rep", "user", {}),
    ("referrer", "customer", {}),
]
CF_HEADER = "cf_note,cf_visits,cf_ratio,cf_credit,cf_due,cf_level,cf_tags,cf_vip,cf_rep,cf_referrer"
TICKET_VIEW = [
    "id",
    "customer_id",
    "subject",
    "kind",
    "channel",
    "status",
    "priority",
    "category_id",
    "queue_id",
    "assignee_id",
    "product_id",
    "opened_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "custom_fields",
]
OPPORTUNITY_VIEW = [
    "id",
    "customer_id",
    "name",
    "stage_id",
    "amount",
    "expected_close",
    "owner_id",
    "channel",
    "loss_reason",
    "outcome_note",
    "closed_at",
    "custom_fields",
]


def _define(actor, entity: str) -> None:
    for key, kind, extra in SPECS:
        custom_field_create(
            actor=actor, entity=entity, key=key, label=key.title(), field_type=kind, **extra
        )


@pytest.fixture
def world(admin_user, service, sales):
    """Return the references both kinds point at: customers, a queue, a stage …"""
    pipeline_stages_ensure()
    _define(admin_user, "ticket")
    _define(admin_user, "opportunity")
    return {
        "hong": CustomerFactory(external_id="C1", name="Hong", owner=sales),
        "kim": CustomerFactory(external_id="C2", name="Kim"),
        "queue": QueueFactory(code="billing"),
        "category": TicketCategoryFactory(code="refund"),
        "product": ProductFactory(sku="P1"),
        "proposal": PipelineStage.objects.get(code="proposal"),
        "won": PipelineStage.objects.get(code="won"),
    }


def _all_values(world, admin_user) -> dict:
    return {
        "note": '한글, "quoted" <b>bold</b>',
        "visits": 12,
        "ratio": 0.25,
        "credit": 1234.5,
        "due": "2027-02-28",
        "level": "gold",
        "tags": ["silver", "bronze"],
        "vip": True,
        "rep": admin_user.pk,
        "referrer": world["kim"].pk,
    }


def _ticket(customer, **fields) -> Ticket:
    fields.setdefault("subject", "Refund please")
    fields.setdefault("channel", "email")
    fields.setdefault("opened_at", timezone.now())
    return Ticket.objects.create(customer=customer, thread_token=secrets.token_hex(8), **fields)


def _opportunity(customer, owner, stage, **fields) -> Opportunity:
    fields.setdefault("name", "Upgrade")
    fields.setdefault("amount", Decimal("1000.00"))
    fields.setdefault("expected_close", dt.date(2027, 3, 31))
    fields.setdefault("channel", "field")
    return Opportunity.objects.create(customer=customer, owner=owner, stage=stage, **fields)


def _tickets() -> dict:
    return {row["id"]: row for row in Ticket.objects.order_by("id").values(*TICKET_VIEW)}


def _opportunities() -> dict:
    return {row["id"]: row for row in Opportunity.objects.order_by("id").values(*OPPORTUNITY_VIEW)}


def _export(fn, tmp_path, fmt: str, **kwargs):
    path = tmp_path / f"export.{fmt}"
    with path.open("wb") as out:
        count = fn(out=out, fmt=fmt, **kwargs)
    return path, count


def _csv(tmp_path, text: str, name="in.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- round trips: every custom-field type -------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_ticket_custom_fields_of_every_type_survive_export_and_import(
    world, admin_user, service, tmp_path, fmt
):
    _ticket(
        world["hong"],
        kind="complaint",
        status="closed",
        priority="high",
        category=world["category"],
        queue=world["queue"],
        assignee=service,
        product=world["product"],
        first_responded_at=timezone.now(),
        resolved_at=timezone.now(),
        closed_at=timezone.now(),
        custom_fields=_all_values(world, admin_user),
    )
    _ticket(world["kim"], custom_fields={"vip": False, "credit": 0.05, "visits": -3})
    _ticket(world["kim"], subject="<script>alert(1)</script>", custom_fields={})
    before = _tickets()
    path, count = _export(export_tickets, tmp_path, fmt)
    assert count == 3

    Ticket.objects.update(
        custom_fields={},
        subject="changed",
        status="open",
        priority="low",
        kind="question",
        category=None,
        queue=None,
        assignee=None,
        product=None,
        first_responded_at=None,
        resolved_at=None,
        closed_at=None,
    )
    result = import_file(kind="tickets", path=path)

    assert (result.inserted, result.updated, result.unchanged, result.rejected) == (0, 3, 0, 0)
    assert _tickets() == before
    again = import_file(kind="tickets", path=path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_ticket_export_header_and_cells(world, admin_user, service, tmp_path):
    ticket = _ticket(
        world["hong"],
        queue=world["queue"],
        assignee=service,
        opened_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        custom_fields=_all_values(world, admin_user),
    )
    path, _count = _export(export_tickets, tmp_path, "csv")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == (
        "id,customer_external_id,subject,kind,channel,status,priority,category,queue,"
        "assignee,product_sku,opened_at,first_responded_at,resolved_at,closed_at," + CF_HEADER
    )
    assert lines[1] == (
        f"{ticket.pk},C1,Refund please,request,email,new,normal,,billing,service,,"
        '2026-01-02T12:04:05+09:00,,,,"한글, ""quoted"" <b>bold</b>",12,0.25,1234.50,'
        f'2027-02-28,gold,"silver,bronze",true,{admin_user.pk},{world["kim"].pk}'
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_opportunity_custom_fields_of_every_type_survive_export_and_import(
    world, admin_user, sales, tmp_path, fmt
):
    _opportunity(
        world["hong"],
        sales,
        world["won"],
        amount=Decimal("1234567.89"),
        closed_at=timezone.now(),
        outcome_note="Signed\non site",
        custom_fields=_all_values(world, admin_user),
    )
    _opportunity(
        world["kim"],
        admin_user,
        world["proposal"],
        loss_reason="",
        custom_fields={"tags": ["gold"], "vip": False},
    )
    before = _opportunities()
    path, count = _export(export_opportunities, tmp_path, fmt)
    assert count == 2

    Opportunity.objects.update(
        custom_fields={},
        name="changed",
        stage=world["proposal"],
        amount=Decimal("1"),
        expected_close=dt.date(2030, 1, 1),
        owner=admin_user,
        channel="telesales",
        outcome_note="",
        closed_at=None,
    )
    result = import_file(kind="opportunities", path=path)

    assert (result.inserted, result.updated, result.unchanged, result.rejected) == (0, 2, 0, 0)
    assert _opportunities() == before
    again = import_file(kind="opportunities", path=path)
    assert (again.updated, again.unchanged) == (0, 2)


# --- create, update, history ----------------------------------------------------------------


def test_a_row_without_id_creates_a_ticket_with_its_history(world, service, tmp_path):
    path = _csv(
        tmp_path,
        "customer_external_id,subject,channel,priority,queue,assignee,cf_level,cf_tags\n"
        'C1,Broken lid,phone,urgent,billing,service,골드,"gold, Silver"\n',
    )

    result = import_file(kind="tickets", path=path)

    assert (result.inserted, result.updated) == (1, 0)
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.channel, ticket.status, ticket.priority, ticket.kind) == (
        "Broken lid",
        "phone",
        "new",
        "urgent",
        "request",
    )
    assert (ticket.queue_id, ticket.assignee_id, ticket.version) == (
        world["queue"].pk,
        service.pk,
        1,
    )
    assert ticket.custom_fields == {"level": "gold", "tags": ["gold", "silver"]}
    assert len(ticket.thread_token) == 16
    assert list(TicketChange.objects.values_list("field", "old", "new")) == [("status", "", "new")]
    entry = AuditEntry.objects.get(object_id=ticket.pk, content_type__model="ticket")
    assert (entry.action, entry.seq, entry.actor_label, entry.note) == (
        "create",
        1,
        "import",
        "import in.csv",
    )
    summary = AuditEntry.objects.get(action="import")
    assert summary.snapshot["counts"]["created"] == 1


def test_a_row_with_id_updates_only_its_columns_and_records_history(world, service, tmp_path):
    ticket = _ticket(world["hong"], custom_fields={"level": "gold", "visits": 3})
    other = _ticket(world["kim"])
    path = _csv(
        tmp_path,
        f"id,status,assignee,cf_visits\n{ticket.pk},open,service,4\n{other.pk},,,\n",
    )

    result = import_file(kind="tickets", path=path)

    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 1)
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.status, ticket.assignee_id, ticket.version) == (
        "Refund please",
        "open",
        service.pk,
        2,
    )
    assert ticket.custom_fields == {"level": "gold", "visits": 4}
    assert sorted(TicketChange.objects.values_list("field", "old", "new")) == [
        ("assignee", "", "service"),
        ("status", "new", "open"),
    ]
    entry = AuditEntry.objects.get(object_id=ticket.pk, content_type__model="ticket")
    assert entry.action == "update"
    assert entry.changes == {
        "status": ["new", "open"],
        "assignee": [None, service.pk],
        "custom_fields": [{"level": "gold", "visits": 3}, {"level": "gold", "visits": 4}],
    }
    other.refresh_from_db()
    assert other.version == 1


def test_opportunity_create_and_update(world, sales, admin_user, tmp_path):
    existing = _opportunity(world["hong"], sales, world["proposal"])
    path = _csv(
        tmp_path,
        "id,customer_external_id,name,stage,amount,expected_close,owner,channel,cf_credit\n"
        f'{existing.pk},,,won,"2,500.5",,admin,,10\n'
        ",C2,New deal,,99.90,2031-12-31,sales,telesales,\n",
    )

    result = import_file(kind="opportunities", path=path)

    assert (result.inserted, result.updated) == (1, 1)
    existing.refresh_from_db()
    assert (existing.stage.code, existing.amount, existing.owner_id, existing.version) == (
        "won",
        Decimal("2500.50"),
        admin_user.pk,
        2,
    )
    assert existing.closed_at is not None
    assert existing.custom_fields == {"credit": 10.0}
    new = Opportunity.objects.exclude(pk=existing.pk).get()
    assert (new.name, new.stage.code, new.amount, new.expected_close, new.owner_id) == (
        "New deal",
        "qualification",
        Decimal("99.90"),
        dt.date(2031, 12, 31),
        sales.pk,
    )
    changes = OpportunityStageChange.objects.order_by("opportunity_id", "id")
    assert list(changes.values_list("opportunity_id", "from_stage__code", "to_stage__code")) == [
        (existing.pk, "proposal", "won"),
        (new.pk, None, "qualification"),
    ]
    entries = AuditEntry.objects.filter(content_type__model="opportunity").order_by("id")
    assert list(entries.values_list("object_id", "action")) == [
        (new.pk, "create"),
        (existing.pk, "update"),
        (None, "import"),
    ]


# --- bad rows ---------------------------------------------------------------------------------


def test_bad_ticket_rows_are_named_and_nothing_is_written(world, service, tmp_path):
    ticket = _ticket(world["hong"])
    before = _tickets()
    path = _csv(
        tmp_path,
        "id,customer_external_id,subject,channel,status,queue,assignee,opened_at,cf_due,cf_level\n"
        f"{ticket.pk},,Fine,,,,,,,\n"
        ",NOPE,A,email,,,,,,\n"
        ",C1,B,email,,nope,,,,\n"
        ",C1,C,email,,,ghost,,,\n"
        ",C1,D,email,,,,yesterday,,\n"
        ",C1,E,fax,shut,,,,,\n"
        ",C1,F,email,,,,,2025-02-30,platinum\n"
        "999999,,G,,,,,,,\n"
        ",C1,,,,,,,,\n",
    )

    with pytest.raises(RejectedRowsError) as caught:
        import_file(kind="tickets", path=path)

    rejects = caught.value.result.rejects
    assert rejects[["line", "column", "reason"]].values.tolist() == [
        [3, "customer_external_id", "unknown customer external id"],
        [4, "queue", "unknown queue code"],
        [5, "assignee", "no active service, sales or manager user of this name"],
        [6, "opened_at", "not a date and time (YYYY-MM-DD HH:MM[:SS][+09:00])"],
        [7, "status", "not one of: closed, new, open, pending, resolved"],
        [8, "cf_due", "Due: not a date (YYYY-MM-DD)"],
        [8, "cf_level", "Level: not one of: gold, silver, bronze"],
        [9, "id", "no ticket has this id"],
        [10, "channel", "required for a new ticket (a row without id)"],
        [10, "subject", "required for a new ticket (a row without id)"],
    ]
    assert _tickets() == before
    assert not AuditEntry.objects.filter(content_type__model="ticket").exists()
    assert (tmp_path / "in.csv.rejects.csv").exists()

    kept = import_file(kind="tickets", path=path, skip_bad=True)
    assert (kept.inserted, kept.updated, kept.rejected) == (0, 1, 8)
    assert Ticket.objects.get(pk=ticket.pk).subject == "Fine"


def test_bad_opportunity_rows_are_named_and_skip_bad_keeps_the_good(world, sales, tmp_path):
    path = _csv(
        tmp_path,
        "customer_external_id,name,stage,amount,expected_close,owner,channel,loss_reason,cf_vip\n"
        "C1,Good,proposal,100,2030-01-01,sales,field,,yes\n"
        "C1,Bad stage,closing,100,2030-01-01,sales,field,,\n"
        "C1,Bad owner,proposal,100,2030-01-01,service,field,,\n"
        "C1,Bad amount,proposal,-5,2030-01-01,sales,field,,\n"
        "C1,Bad date,proposal,5,31/12/2030,sales,field,,\n"
        "C1,Bad reason,lost,5,2030-01-01,sales,field,cheap,\n"
        "C1,Bad bool,proposal,5,2030-01-01,sales,field,,maybe\n",
    )

    with pytest.raises(RejectedRowsError) as caught:
        import_file(kind="opportunities", path=path)

    assert caught.value.result.rejects[["line", "column"]].values.tolist() == [
        [3, "stage"],
        [4, "owner"],
        [5, "amount"],
        [6, "expected_close"],
        [7, "loss_reason"],
        [8, "cf_vip"],
    ]
    assert not Opportunity.objects.exists()

    result = import_file(kind="opportunities", path=path, skip_bad=True)
    assert (result.inserted, result.rejected) == (1, 6)
    assert list(Opportunity.objects.values_list("name", "custom_fields")) == [
        ("Good", {"vip": True})
    ]


def test_unknown_custom_column_stops_the_ticket_import(world, tmp_path):
    path = _csv(tmp_path, "customer_external_id,subject,channel,cf_nope\nC1,A,email,1\n")
    with pytest.raises(ImportFileError, match="cf_nope"):
        import_file(kind="tickets", path=path)


def test_a_required_custom_field_is_needed_to_create(world, admin_user, tmp_path):
    custom_field_create(
        actor=admin_user,
        entity="ticket",
        key="order_no",
        label="Order no",
        field_type="text",
        required=True,
    )
    path = _csv(tmp_path, "customer_external_id,subject,channel\nC1,A,email\n")
    with pytest.raises(RejectedRowsError) as caught:
        import_file(kind="tickets", path=path)
    assert caught.value.result.rejects[["line", "column", "reason"]].values.tolist() == [
        [2, "cf_order_no", "Order no: required for a new ticket"]
    ]


def test_hostile_cells_are_rejected_or_stored_inert(world, tmp_path):
    script = "<script>alert(1)</script>"
    path = _csv(
        tmp_path,
        "customer_external_id,subject,channel,cf_note\n"
        f"C1,{script},email,{script}\n"
        "C1,nul\x00here,email,\n"
        f"C1,{'x' * 201},email,\n",
    )
    with pytest.raises(RejectedRowsError) as caught:
        import_file(kind="tickets", path=path)
    assert caught.value.result.rejects[["line", "column", "reason"]].values.tolist() == [
        [3, "subject", "contains a control character"],
        [4, "subject", "longer than 200 characters"],
    ]

    import_file(kind="tickets", path=path, skip_bad=True)
    assert list(Ticket.objects.values_list("subject", "custom_fields")) == [
        (script, {"note": script})
    ]


def test_a_ten_megabyte_cell_stops_the_file_with_its_line(world, tmp_path):
    path = _csv(tmp_path, f"customer_external_id,subject,channel\nC1,{'x' * 10_000_000},email\n")
    with pytest.raises(ImportFileError, match="Line 2"):
        import_file(kind="tickets", path=path)
    assert not Ticket.objects.exists()


def test_an_import_fires_no_automation(world, admin_user, tmp_path, monkeypatch):
    from dangol.automation import events

    calls = []
    monkeypatch.setattr(events, "_listening", lambda entity, event: True)
    monkeypatch.setattr(events, "automation_event", lambda **kwargs: calls.append(kwargs))
    ticket = _ticket(world["hong"])
    path = _csv(
        tmp_path,
        f"id,customer_external_id,subject,channel,status\n{ticket.pk},,,,open\n,C1,New,email,\n",
    )

    result = import_file(kind="tickets", path=path)

    assert (result.inserted, result.updated) == (1, 1)
    assert calls == []
    # The same change through the desk's service does fire.
    from dangol.service.services import ticket_status_set

    ticket.refresh_from_db()
    ticket_status_set(actor=admin_user, ticket=ticket, status="pending")
    assert [c["event"] for c in calls] == ["updated"]


# --- command line ---------------------------------------------------------------------------


def test_cli_exports_and_imports_tickets_and_opportunities(world, sales, tmp_path):
    from django.core.management import call_command

    _ticket(world["hong"], custom_fields={"level": "silver"})
    _opportunity(world["kim"], sales, world["proposal"], custom_fields={"visits": 2})
    for kind, model in (("tickets", Ticket), ("opportunities", Opportunity)):
        out = tmp_path / f"{kind}.xlsx"
        err = io.StringIO()
        call_command("export", kind, "--format", "xlsx", "--out", str(out), stderr=err)
        assert err.getvalue() == f"1 {kind} rows exported\n"
        model.objects.update(custom_fields={})
        stdout = io.StringIO()
        call_command("import", kind, str(out), "--no-progress", stdout=stdout)
        assert "  updated:   1" in stdout.getvalue()
    assert Ticket.objects.get().custom_fields == {"level": "silver"}
    assert Opportunity.objects.get().custom_fields == {"visits": 2}


def test_cli_export_as_a_user_leaves_out_what_they_cannot_see(world, sales, tmp_path):
    from django.core.management import call_command

    mine = _ticket(world["hong"])  # Hong belongs to sales
    _ticket(world["kim"])
    out = tmp_path / "t.csv"
    call_command("export", "tickets", "--user", "sales", "--out", str(out), stderr=io.StringIO())
    rows = out.read_text(encoding="utf-8-sig").splitlines()[1:]
    assert [r.split(",")[0] for r in rows] == [str(mine.pk)]


def test_xlsx_export_keeps_formulas_as_text(world, tmp_path):
    _ticket(world["hong"], subject="=HYPERLINK(1)")
    path, _count = _export(export_tickets, tmp_path, "xlsx")
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet.cell(row=2, column=3).value == "=HYPERLINK(1)"
    assert sheet.cell(row=2, column=3).data_type == "s"
