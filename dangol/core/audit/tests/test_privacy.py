"""Personal-data export and erasure of one customer (PIPA / GDPR requests)."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F, Sum

from dangol.accounts.notifications import notification_send
from dangol.automation.models import Rule, RuleRun
from dangol.catalog.tests.factories import ProductFactory
from dangol.core.audit.errors import ValidationError
from dangol.core.audit.models import AuditEntry
from dangol.core.audit.services import customer_revert
from dangol.core.customfields.services import custom_field_create
from dangol.core.models import Job
from dangol.customers.errors import PermissionDeniedError
from dangol.customers.models import CategoryBudget, ConsentEvent, Customer, CustomerScore
from dangol.customers.privacy import customer_erase, customer_personal_data_export
from dangol.customers.services import customer_consent_set, customer_create, customer_update
from dangol.customers.tests.factories import CustomerFactory
from dangol.integration.webhooks.models import WebhookDelivery, WebhookEndpoint
from dangol.marketing.models import CampaignMember, CampaignResponse, SegmentMember, Unsubscribe
from dangol.marketing.tests.factories import CampaignFactory
from dangol.portal.services import portal_account_create
from dangol.sales.models import Lead, Order, OrderLine
from dangol.sales.pipeline_services import lead_capture, lead_convert
from dangol.sales.services import OrderLineInput, order_create
from dangol.service.models import SatisfactionSurvey
from dangol.service.services import ticket_open, ticket_reply, ticket_update
from dangol.touchpoints.services import interaction_log

pytestmark = pytest.mark.django_db

NAME = "Hong Gildong"
EMAIL = "gildong.hong@example.test"
PHONE = "010-9876-5432"


@pytest.fixture
def everything(admin_user):
    """A customer with one of everything the CRM holds about a person."""
    # A listening endpoint: every change below leaves a delivery whose payload quotes
    # the name (customer), the ticket subject and the opportunity name.
    WebhookEndpoint.objects.create(
        url="https://hooks.example.test/crm",
        event_types=["customer.updated", "ticket.updated", "opportunity.created"],
    )
    lead = lead_capture(
        actor=admin_user,
        source="web_form",
        name=NAME,
        email=EMAIL,
        phone=PHONE,
        note=f"Call {NAME}",
    )
    opportunity = lead_convert(
        actor=admin_user,
        lead=lead,
        opportunity_name=f"{NAME} kitchen",
        amount=300_000,
        expected_close=dt.date(2026, 12, 24),
        channel="field",
    )
    customer = opportunity.customer
    custom_field_create(
        actor=admin_user, entity="customer", key="hobby", label="Hobby", field_type="text"
    )
    customer_update(
        actor=admin_user,
        customer=customer,
        birth_date=dt.date(1985, 3, 14),
        city="Jongno-gu",
        gender="male",
        region="seoul",
        external_id="EXT-HONG",
        custom_fields={"hobby": f"{NAME} likes tea"},
    )
    customer_consent_set(
        actor=admin_user, customer=customer, channel="email", granted=True, source="web form"
    )
    product = ProductFactory(unit_price=Decimal("12000.00"))
    order = order_create(
        actor=admin_user,
        customer=customer,
        number="P-1",
        channel="online",
        lines=[OrderLineInput(product=product, quantity=3, discount=Decimal("1000"))],
    )
    interaction_log(
        actor=admin_user,
        customer=customer,
        channel="phone",
        direction="inbound",
        subject=f"{NAME} called",
        body=f"Reach {NAME} on {PHONE}",
    )
    ticket = ticket_open(
        actor=None,
        customer=customer,
        subject=f"Refund for {NAME}",
        body=f"I am {NAME}, {EMAIL}",
        channel="email",
        from_address=EMAIL,
    )
    ticket_reply(actor=admin_user, ticket=ticket, body=f"Dear {NAME}, done")
    SatisfactionSurvey.objects.create(ticket=ticket, token="tok-1", score=5, comment=f"{NAME}")
    campaign = CampaignFactory()
    member = CampaignMember.objects.create(campaign=campaign, customer=customer, arm="treatment")
    CampaignResponse.objects.create(member=member, kind="click", url="https://shop.test/a")
    SegmentMember.objects.create(segment=campaign.segment, customer=customer)
    Unsubscribe.objects.create(customer=customer, source="link")
    CustomerScore.objects.create(customer=customer, value_tier="gold", rfm_segment="loyal")
    CategoryBudget.objects.create(
        customer=customer, category=product.category, annual_budget=Decimal("500000")
    )
    portal_account_create(actor=admin_user, email=EMAIL, customer=customer)
    # Copies of the person's details in rows that do not point at them: a staff
    # notification, an automation run's log, a background job's parameters, another
    # customer's ticket and its history.
    notification_send(
        user=admin_user, kind="mention", text=f"{NAME} ({PHONE}) asked for a call back"
    )
    rule = Rule.objects.create(name="Greet", entity="customer", trigger="created", actions=[])
    RuleRun.objects.create(
        rule=rule,
        entity="customer",
        record_id=customer.pk,
        trigger_key="created",
        status="succeeded",
        result=[{"type": "send_email", "ok": True, "detail": f"sent to {EMAIL}"}],
    )
    Job.objects.create(kind="customers.export", params={"q": EMAIL})
    other = ticket_open(
        actor=admin_user,
        customer=CustomerFactory(name="Someone Else"),
        subject=f"Complaint about {NAME}",
        body=f"{NAME} was rude",
        channel="phone",
    )
    ticket_update(actor=admin_user, ticket=other, version=other.version, priority="high")
    customer.refresh_from_db()
    return customer, order, ticket, opportunity


def test_the_export_holds_each_kind_of_personal_data(admin_user, everything):
    customer = everything[0]
    document = customer_personal_data_export(customer=customer, actor=admin_user)
    json.dumps(document)  # plain JSON all the way down
    assert document["profile"]["name"] == NAME
    assert document["profile"]["email"] == EMAIL
    assert document["profile"]["birth_date"] == "1985-03-14"
    related = document["related"]
    expected = {
        "customers.ConsentEvent": 1,
        "customers.CustomerScore": 1,
        "customers.CategoryBudget": 1,
        "sales.Order": 1,
        "sales.OrderLine": 1,
        "sales.Opportunity": 1,
        "sales.OpportunityStageChange": 1,
        "sales.Lead": 1,
        "touchpoints.Interaction": 1,  # (ticket and order timeline entries come after commit)
        "service.Ticket": 1,
        "service.TicketMessage": 2,
        "service.SatisfactionSurvey": 1,
        "marketing.CampaignMember": 1,
        "marketing.CampaignResponse": 1,
        "marketing.SegmentMember": 1,
        "marketing.Unsubscribe": 1,
        "portal.PortalAccount": 1,
    }
    assert {label: len(related.get(label, [])) for label in expected} == expected
    assert related["sales.OrderLine"][0]["quantity"] == 3
    assert related["portal.PortalAccount"][0]["login"]["email"] == EMAIL
    history = {(row["record"], row["action"]) for row in document["history"]}
    assert {
        ("customers.customer", "create"),
        ("customers.customer", "update"),
        ("sales.order", "create"),
        ("service.ticket", "create"),
        ("sales.opportunity", "create"),
    } <= history
    assert AuditEntry.objects.filter(object_id=customer.pk, action="export").count() == 1


def test_sales_reps_cannot_export_or_erase(sales, everything):
    customer = everything[0]
    with pytest.raises(PermissionDeniedError):
        customer_personal_data_export(customer=customer, actor=sales)
    with pytest.raises(PermissionDeniedError):
        customer_erase(customer=customer, actor=sales, reason="request 1")


def _all_rows_text() -> str:
    """Every row of every table, as JSON (what a dump of the database holds)."""
    out = io.StringIO()
    call_command(
        "dumpdata", "--natural-foreign", stdout=out, exclude=["contenttypes", "auth.permission"]
    )
    return out.getvalue()


def _totals():
    lines = OrderLine.objects.aggregate(total=Sum(F("quantity") * F("unit_price") - F("discount")))
    return (
        lines["total"],
        Order.objects.count(),
        Customer.objects.count(),
    )


def test_erasure_leaves_no_personal_string_and_keeps_the_totals(admin_user, everything):
    customer = everything[0]
    before = _totals()
    assert NAME in _all_rows_text()
    assert WebhookDelivery.objects.count() >= 3
    assert EMAIL in _all_rows_text()
    customer_erase(customer=customer, actor=admin_user, reason=f"PIPA request of {NAME}")
    dump = _all_rows_text()
    for personal in (NAME, EMAIL, PHONE, "01098765432", "1985-03-14", "Jongno-gu", "EXT-HONG"):
        assert personal not in dump, personal
    assert _totals() == before == (Decimal("35000.00"), 1, 2)  # and "Someone Else"
    customer.refresh_from_db()
    assert customer.name == f"Erased customer #{customer.pk}"
    assert (customer.region, customer.status, customer.kind) == ("seoul", "lead", "person")
    assert not any(customer.consent_for(c) for c in ("email", "sms", "phone", "post"))
    assert (
        ConsentEvent.objects.filter(customer=customer, granted=False, source="erasure").count() == 1
    )
    from django.contrib.auth import get_user_model

    login = get_user_model().objects.get(portal_account__customer=customer)
    assert (login.is_active, login.email, login.has_usable_password()) == (False, "", False)
    erase = AuditEntry.objects.get(object_id=customer.pk, action="erase")
    assert (erase.actor, erase.note, erase.changes, erase.snapshot) == (
        admin_user,
        "PIPA request of [redacted]",
        {},
        {},
    )
    assert Lead.objects.get().email == ""


def test_erasure_is_final(admin_user, everything):
    customer = everything[0]
    customer_erase(customer=customer, actor=admin_user, reason="request")
    with pytest.raises(ValidationError) as exc:
        customer_revert(instance=customer, version=1, actor=admin_user)
    assert exc.value.code == "erased"
    from dangol.customers.errors import ValidationError as CustomerValidationError

    with pytest.raises(CustomerValidationError):
        customer_erase(customer=customer, actor=admin_user, reason="again")
    with pytest.raises(CustomerValidationError):
        customer_erase(
            customer=customer_create(actor=admin_user, name="X"), actor=admin_user, reason=" "
        )


def test_the_warehouse_totals_are_the_same_after_erasure(
    admin_user, everything, settings, tmp_path
):
    from dangol.analytics.warehouse.connection import warehouse_connect
    from dangol.analytics.warehouse.services import warehouse_refresh

    settings.DATA_DIR = tmp_path
    customer = everything[0]
    warehouse_refresh(full=True)

    def read():
        with warehouse_connect() as con:
            return con.execute(
                "SELECT count(*), sum(revenue), count(DISTINCT customer_id) FROM fact_sales"
            ).fetchone()

    before = read()
    customer_erase(customer=customer, actor=admin_user, reason="request")
    warehouse_refresh()
    assert read() == before == (1, Decimal("35000.00"), 1)


def test_the_cli_exports_and_erases(admin_user, everything, tmp_path):
    customer = everything[0]
    target = tmp_path / "export.json"
    call_command("privacy", "export", "--customer", str(customer.pk), "--output", str(target))
    assert json.loads(target.read_text())["profile"]["email"] == EMAIL
    out = io.StringIO()
    call_command(
        "privacy", "erase", "--customer", str(customer.pk), "--reason", "CLI request", stdout=out
    )
    customer.refresh_from_db()
    assert customer.email == ""
    assert f"#{customer.pk}" in out.getvalue()
