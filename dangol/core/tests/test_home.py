"""The home page: each role's widgets with exact figures, links to lists showing the same rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from django.urls import reverse
from django.utils import timezone

from dangol.core.home.widgets import ROLE_WIDGETS, WIDGETS, home_roles
from dangol.customers.score_services import customer_scores_bulk_write
from dangol.customers.tests.factories import CustomerFactory
from dangol.marketing.models import Segment
from dangol.sales.models import PipelineStage
from dangol.sales.pipeline_services import opportunity_create
from dangol.sales.work_services import task_create
from dangol.service.models import SatisfactionSurvey, Ticket
from dangol.service.services import ticket_open

pytestmark = pytest.mark.django_db


def _noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


@pytest.fixture
def world(sales, other_sales, service, manager):
    """A small book of business: sales owns three customers, other_sales one."""
    today = timezone.localdate()
    mine = [CustomerFactory(owner=sales) for _ in range(3)]
    theirs = CustomerFactory(owner=other_sales)
    scored = [c.pk for c in (*mine, theirs)]
    customer_scores_bulk_write(
        rows=pd.DataFrame({"customer_id": scored, "churn_probability": [0.7, 0.55, 0.3, 0.9]}),
        fields=["churn_probability"],
    )
    won = PipelineStage.objects.get(is_won=True)

    def deal(owner, customer, amount, close, stage=None):
        return opportunity_create(
            actor=owner,
            customer=customer,
            name=f"Deal {amount}",
            amount=amount,
            expected_close=close,
            channel="field",
            stage=stage,
        )

    deal(sales, mine[0], "1000", today)
    deal(sales, mine[1], "500", today + dt.timedelta(days=70))
    deal(sales, mine[1], "2500", today + dt.timedelta(days=70), stage=won)
    deal(other_sales, theirs, "700", today)
    task_create(actor=sales, title="Call Kim", due_at=_noon(today))
    task_create(actor=sales, title="Late one", due_at=_noon(today - dt.timedelta(days=1)))
    task_create(actor=sales, title="Tomorrow", due_at=_noon(today + dt.timedelta(days=1)))
    task_create(actor=other_sales, title="Not mine", due_at=_noon(today))

    now = timezone.now()
    tickets = [
        ticket_open(actor=service, customer=mine[0], subject=s, body="x", channel="phone")
        for s in ("Soon", "Late", "Calm")
    ]
    Ticket.objects.filter(pk=tickets[0].pk).update(
        assignee=service,
        first_response_due=now + dt.timedelta(minutes=30),
        resolution_due=now + dt.timedelta(days=2),
    )
    Ticket.objects.filter(pk=tickets[1].pk).update(
        assignee=service,
        first_response_due=now - dt.timedelta(hours=3),
        resolution_due=now - dt.timedelta(hours=1),
    )
    Ticket.objects.filter(pk=tickets[2].pk).update(
        assignee=manager,
        first_response_due=now + dt.timedelta(hours=5),
        resolution_due=now + dt.timedelta(days=2),
    )
    for ticket, score in zip(tickets[:2], (4, 5), strict=True):
        SatisfactionSurvey.objects.create(
            ticket=ticket, token=f"t{ticket.pk}", score=score, answered_at=now
        )
    Segment.objects.create(name="VIP", rule={}, size=120)
    Segment.objects.create(name="Never counted", rule={})
    return {"mine": mine, "theirs": theirs}


def _figures(widget) -> dict:
    return {f.key: f.value for f in widget.figures}


def test_sales_widgets_have_exact_numbers(world, sales):
    assert _figures(WIDGETS["sales_pipeline"](user=sales)) == {"open": 2, "amount": Decimal(1500)}
    assert _figures(WIDGETS["sales_tasks_today"](user=sales)) == {"today": 1, "overdue": 1}
    assert _figures(WIDGETS["sales_closing"](user=sales)) == {"deals": 1, "amount": Decimal(1000)}
    assert _figures(WIDGETS["sales_at_risk"](user=sales)) == {"customers": 2}
    chart = WIDGETS["sales_pipeline"](user=sales).chart
    assert sum(chart["datasets"][0]["data"]) == 2


def test_service_widgets_have_exact_numbers(world, service):
    assert _figures(WIDGETS["service_queue"](user=service)) == {"open": 2}
    assert _figures(WIDGETS["service_sla"](user=service)) == {"due_soon": 1, "breached": 1}
    assert _figures(WIDGETS["service_satisfaction"](user=service)) == {
        "average": 4.5,
        "answered": 2,
    }


def test_marketing_widgets(world, marketing):
    campaigns = WIDGETS["marketing_campaigns"](user=marketing)
    assert _figures(campaigns) == {"running": 0} and campaigns.empty
    segments = WIDGETS["marketing_segments"](user=marketing)
    assert _figures(segments) == {"segments": 1}
    assert segments.chart["labels"] == ["VIP"] and segments.chart["datasets"][0]["data"] == [120]


def test_manager_widgets_without_a_warehouse_offer_the_refresh(world, manager, admin_user):
    trend = WIDGETS["manager_trend"](user=manager)
    assert trend.figures == [] and trend.empty_url == reverse("analytics:warehouse")
    assert str(trend.empty_action) == "Refresh the warehouse"
    assert WIDGETS["manager_tiers"](user=manager).empty_url == reverse("analytics:warehouse")
    # The manager sees their team's customers (sales is in it, other_sales is not).
    churn = WIDGETS["manager_churn"](user=manager)
    assert _figures(churn) == {"at_risk": 2, "scored": 3}
    assert churn.chart["datasets"][0]["data"] == [0, 1, 2, 0]
    assert [(r["text"], r["customers"]) for r in churn.rows] == [("sales", 2)]
    assert churn.note.startswith("Counted as of the churn scoring of ")
    assert _figures(WIDGETS["manager_churn"](user=admin_user)) == {"at_risk": 3, "scored": 4}
    team = WIDGETS["manager_team"](user=admin_user)
    assert _figures(team) == {"won": 1, "revenue": Decimal(2500)}
    assert [(r["text"], r["won"]) for r in team.rows] == [(str(world["mine"][0].owner), 1)]


def test_analyst_widgets_without_a_warehouse(world, analyst):
    warehouse = WIDGETS["analyst_warehouse"](user=analyst)
    assert warehouse.figures == [] and warehouse.empty
    assert str(warehouse.empty_action) == "Warehouse"  # an analyst may not refresh
    models = WIDGETS["analyst_models"](user=analyst)
    assert _figures(models) == {"trained": 0} and len(models.rows) == 4


def test_links_open_lists_with_the_same_rows(world, client, sales, service):
    client.force_login(sales)
    closing = WIDGETS["sales_closing"](user=sales).figure("deals")
    board = client.get(closing.url)
    assert sum(column.count for column in board.context["columns"]) == closing.value == 1
    tasks = WIDGETS["sales_tasks_today"](user=sales)
    for key in ("today", "overdue"):
        page = client.get(tasks.figure(key).url)
        assert len(page.context["tasks"]) == tasks.figure(key).value == 1
    at_risk = WIDGETS["sales_at_risk"](user=sales).figure("customers")
    listing = client.get(at_risk.url)
    assert len(listing.context["page"].items) == at_risk.value == 2
    open_deals = WIDGETS["sales_pipeline"](user=sales).figure("open")
    board = client.get(open_deals.url)
    assert sum(c.count for c in board.context["columns"] if not c.stage.is_closed) == 2

    client.force_login(service)
    sla = WIDGETS["service_sla"](user=service)
    for key in ("due_soon", "breached"):
        page = client.get(sla.figure(key).url)
        assert len(page.context["page"].items) == sla.figure(key).value == 1
    queue = WIDGETS["service_queue"](user=service).figure("open")
    assert len(client.get(queue.url).context["page"].items) == queue.value == 2


@pytest.mark.parametrize(
    ("role_user", "tab"),
    [
        ("sales", "sales"),
        ("service", "service"),
        ("marketing", "marketing"),
        ("manager", "manager"),
        ("admin_user", "manager"),
        ("analyst", "analyst"),
    ],
)
def test_each_role_gets_its_page_and_widgets(request, client, world, role_user, tab):
    from dangol.accounts.roles import Role

    user = request.getfixturevalue(role_user)
    client.force_login(user)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert page.context["tab"] == tab
    names = list(ROLE_WIDGETS[Role(tab)])
    html = page.content.decode()
    assert [n for n in WIDGETS if f'data-widget="{n}"' in html] == [
        n for n in WIDGETS if n in names
    ]
    assert 'hx-trigger="load"' in html
    for name in names:
        widget = client.get(reverse("home_widget", args=[name]))
        assert widget.status_code == 200, name
        assert b"<html" not in widget.content
    other = next(n for n in WIDGETS if n not in names)
    assert client.get(reverse("home_widget", args=[other])).status_code == 404


def test_a_widget_shows_its_numbers_linked(world, client, sales):
    client.force_login(sales)
    html = client.get(reverse("home_widget", args=["sales_closing"])).content.decode()
    assert (
        f'href="{reverse("pipeline:board")}?mine=1&amp;closing=this-month" data-value="1"' in html
    )
    html = client.get(reverse("home_widget", args=["sales_pipeline"])).content.decode()
    assert 'id="chart-data-sales_pipeline"' in html and "<canvas" in html


def test_several_roles_get_tabs(client, world, sales):
    from django.contrib.auth.models import Group

    sales.groups.add(Group.objects.get(name="service"))
    assert [r.value for r in home_roles(sales)] == ["sales", "service"]
    client.force_login(sales)
    page = client.get(reverse("home") + "?tab=service")
    assert page.context["tab"] == "service"
    assert b'href="?tab=sales"' in page.content
    assert b'data-widget="service_sla"' in page.content


def test_anonymous_goes_to_login_and_login_lands_home(client, sales):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client.get(reverse("home_widget", args=["sales_pipeline"])).status_code == 302
    sales.set_password("pw-123456")
    sales.save()
    response = client.post(
        reverse("accounts:login"), {"username": "sales", "password": "pw-123456"}
    )
    assert response["Location"] == reverse("home")


def test_a_user_without_role_gets_a_plain_page(client, db):
    from dangol.accounts.tests.factories import UserFactory

    user = UserFactory(username="nobody")
    client.force_login(user)
    page = client.get(reverse("home"))
    assert page.status_code == 200 and page.context["widgets"] == ()
