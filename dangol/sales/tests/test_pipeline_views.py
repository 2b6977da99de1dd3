"""Pipeline pages: board, moves from the board, leads, conversion, forecast, public form."""

import datetime as dt

import pytest
from django.urls import reverse

from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.models import Lead, PipelineStage
from dangol.sales.pipeline_services import lead_capture, opportunity_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def opportunity(sales):
    return opportunity_create(
        actor=sales,
        customer=CustomerFactory(owner=sales),
        name="Fleet renewal",
        amount=5_000_000,
        expected_close=dt.date(2026, 12, 20),
        channel="field",
    )


def test_the_board_shows_the_card_in_its_stage(client, sales, opportunity):
    client.force_login(sales)
    page = client.get(reverse("pipeline:board"))
    assert page.status_code == 200
    [column] = [c for c in page.context["columns"] if c.stage.code == "qualification"]
    assert [card.name for card in column.cards] == ["Fleet renewal"]


def test_service_and_analysts_do_not_get_the_board(client, service, analyst):
    for user in (service, analyst):
        client.force_login(user)
        assert client.get(reverse("pipeline:board")).status_code == 403


def test_moving_a_card_answers_json_and_refuses_stale_or_foreign_moves(
    client, sales, other_sales, opportunity
):
    client.force_login(sales)
    url = reverse("pipeline:opportunity_move", args=[opportunity.pk])
    moved = client.post(url, {"stage": "proposal", "version": opportunity.version})
    assert moved.json() == {"id": opportunity.pk, "stage": "proposal", "version": 2}
    stale = client.post(url, {"stage": "negotiation", "version": 1})
    assert stale.status_code == 409
    lost = client.post(url, {"stage": "lost", "version": 2})
    assert lost.status_code == 400 and lost.json()["field"] == "loss_reason"
    client.force_login(other_sales)
    assert client.post(url, {"stage": "won", "version": 2}).status_code == 404


def test_lead_entry_conversion_and_forecast(client, sales):
    client.force_login(sales)
    response = client.post(
        reverse("pipeline:lead_new"),
        {"name": "Kang", "company_name": "Kang Motors", "email": "kang@x.test", "source": "event"},
    )
    lead = Lead.objects.get()
    assert response.url == reverse("pipeline:lead_detail", args=[lead.pk])
    converted = client.post(
        reverse("pipeline:lead_detail", args=[lead.pk]),
        {
            "opportunity_name": "Kang Motors fleet",
            "amount": "3000000",
            "expected_close": "2026-12-31",
            "channel": "field",
        },
    )
    lead.refresh_from_db()
    assert converted.url == reverse("customers:detail", args=[lead.converted_customer_id])
    forecast = client.get(reverse("pipeline:forecast"))
    [row] = forecast.context["rows"]
    assert (row.group, str(row.weighted)) == ("sales", "300000.00")


def test_the_public_lead_form_captures_a_web_lead(client):
    response = client.post(
        reverse("pipeline:lead_form_public"),
        {"name": "Seo", "email": "seo@x.test", "note": "Price list please"},
    )
    assert response.status_code == 200
    lead = Lead.objects.get()
    assert (lead.source, lead.email, lead.owner) == ("web_form", "seo@x.test", None)


def test_a_lead_of_someone_else_is_hidden(client, sales, other_sales):
    lead = lead_capture(actor=sales, source="phone", name="Mine", phone="010-1111-2222")
    client.force_login(other_sales)
    assert client.get(reverse("pipeline:lead_detail", args=[lead.pk])).status_code == 404


def test_stage_probabilities_are_seeded():
    assert list(PipelineStage.objects.values_list("code", "probability")) == [
        ("qualification", 10),
        ("needs_analysis", 25),
        ("proposal", 50),
        ("negotiation", 75),
        ("won", 100),
        ("lost", 0),
    ]


def test_my_tasks_page_adds_and_completes_tasks(client, sales, other_sales):
    from dangol.sales.models import Task

    client.force_login(sales)
    response = client.post(
        reverse("pipeline:tasks"), {"title": "Send the quote", "due_at": "2026-12-01T10:00"}
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.owner, task.title) == (sales, "Send the quote")
    assert [t.title for t in client.get(reverse("pipeline:tasks")).context["tasks"]] == [
        "Send the quote"
    ]
    client.force_login(other_sales)
    assert client.post(reverse("pipeline:tasks"), {"done": task.pk}).status_code == 404
    client.force_login(sales)
    client.post(reverse("pipeline:tasks"), {"done": task.pk})
    task.refresh_from_db()
    assert task.done_at is not None


def test_quote_from_the_opportunity_page_becomes_an_order(client, sales, opportunity):
    from decimal import Decimal

    from dangol.catalog.tests.factories import ProductFactory
    from dangol.sales.models import Order

    ProductFactory(sku="KET-1", unit_price=Decimal("30000"))
    client.force_login(sales)
    url = reverse("pipeline:opportunity_detail", args=[opportunity.pk])
    bad = client.post(
        url, {"action": "quote", "number": "Q1", "valid_until": "2030-01-01", "sku_0": "NOPE"}
    )
    assert bad.status_code == 400 and b"NOPE" in bad.content
    client.post(
        url,
        {
            "action": "quote",
            "number": "Q1",
            "valid_until": "2030-01-01",
            "sku_0": "KET-1",
            "quantity_0": "2",
            "discount_0": "1000",
        },
    )
    [quote] = client.get(url).context["quotes"]
    response = client.post(url, {"action": "accept", "quote": quote.pk})
    order = Order.objects.get()
    assert response.url == reverse("sales:order_detail", args=[order.pk])
    assert list(order.lines.values_list("quantity", "discount")) == [(2, Decimal("1000.00"))]
