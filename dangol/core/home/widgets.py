"""The home page's widgets: one function per widget, each reading through other apps' selectors.

A widget takes ``user`` (and ``today`` for tests) and returns a ``Widget``: its figures,
each with the link to the list behind it, and optionally a chart's data, drawn in the
browser. Widgets never write, and never read another app's models where it has a selector.
``ROLE_WIDGETS`` says which role sees which widgets, in order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from dangol.accounts.roles import Role


@dataclass
class Figure:
    """One number on a widget and the list that shows the same rows."""

    label: str
    value: Any
    url: str = ""
    kind: str = "count"  # "count", "money", "percent", "score", "text"
    key: str = ""  # stable name for tests and the page


@dataclass
class Widget:
    name: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    chart: dict | None = None  # {"type", "labels", "datasets": [{"label", "data"}], "links"}
    rows: list[dict] = field(default_factory=list)  # a small table
    empty: str = ""  # the empty state's message; set when there is nothing to show
    empty_url: str = ""
    empty_action: str = ""
    note: str = ""

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _month(today: dt.date) -> tuple[dt.date, dt.date]:
    first = today.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    first = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    last = (first + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
    return first, last


def _url(name: str, **params: Any) -> str:
    base = reverse(name)
    return f"{base}?{urlencode(params)}" if params else base


def _stage_name(stage) -> str:
    korean = (get_language() or "").startswith("ko")
    return stage.name_ko if korean and stage.name_ko else stage.name


def _local_day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- sales ---------------------------------------------------------------------------


def sales_pipeline(*, user, today: dt.date | None = None) -> Widget:
    """My open deals by stage: how many and how much, as a bar chart."""
    from dangol.sales.pipeline_selectors import pipeline_stage_totals

    totals = pipeline_stage_totals(user=user, owner_id=user.pk, open_only=True)
    board = _url("pipeline:board", mine=1)
    widget = Widget("sales_pipeline", _("My pipeline by stage"))
    widget.figures = [
        Figure(_("Open deals"), sum(t.count for t in totals), board, key="open"),
        Figure(
            _("Open amount"), sum((t.amount for t in totals), Decimal(0)), board, "money", "amount"
        ),
    ]
    widget.chart = {
        "type": "bar",
        "labels": [_stage_name(t.stage) for t in totals],
        "datasets": [{"label": str(_("Deals")), "data": [t.count for t in totals]}],
        "links": [board for _t in totals],
    }
    if not any(t.count for t in totals):
        widget.empty = _("No open deals yet.")
        widget.empty_url, widget.empty_action = reverse("pipeline:lead_list"), _("Work your leads")
    return widget


def sales_tasks_today(*, user, today: dt.date | None = None) -> Widget:
    """My open tasks due today, and those overdue."""
    from dangol.sales.work_selectors import task_count_open, task_list_open

    start = _local_day_start(_today(today))
    end = start + dt.timedelta(days=1)
    widget = Widget("sales_tasks_today", _("My tasks today"))
    due_today = task_count_open(user=user, due_from=start, due_before=end)
    overdue = task_count_open(user=user, due_before=start)
    widget.figures = [
        Figure(_("Due today"), due_today, _url("pipeline:tasks", due="today"), key="today"),
        Figure(_("Overdue"), overdue, _url("pipeline:tasks", due="overdue"), key="overdue"),
    ]
    widget.rows = [
        {"text": t.title, "when": timezone.localtime(t.due_at), "url": _url("pipeline:tasks")}
        for t in task_list_open(user=user, due_from=start, due_before=end, limit=5)
    ]
    if not due_today and not overdue:
        widget.empty = _("Nothing due today.")
        widget.empty_url, widget.empty_action = reverse("pipeline:tasks"), _("Plan a task")
    return widget


def sales_closing_this_month(*, user, today: dt.date | None = None) -> Widget:
    """My open deals expected to close this month."""
    from dangol.sales.pipeline_selectors import pipeline_stage_totals

    month = _month(_today(today))
    totals = pipeline_stage_totals(user=user, owner_id=user.pk, closing=month, open_only=True)
    url = _url("pipeline:board", mine=1, closing="this-month")
    widget = Widget("sales_closing", _("Deals closing this month"))
    widget.figures = [
        Figure(_("Deals"), sum(t.count for t in totals), url, key="deals"),
        Figure(_("Amount"), sum((t.amount for t in totals), Decimal(0)), url, "money", "amount"),
    ]
    return widget


def _as_of_note(as_of) -> str:
    if as_of is None:
        return ""
    return _("Counted as of the churn scoring of %(when)s.") % {
        "when": timezone.localtime(as_of).strftime("%Y-%m-%d %H:%M")
    }


def sales_at_risk(*, user, today: dt.date | None = None) -> Widget:
    """Customers I own whose churn risk is high (from the churn-band summary)."""
    from dangol.customers.selectors import AT_RISK_CHURN, customer_churn_band_summary

    summary = customer_churn_band_summary(user=user, owner_id=user.pk)
    url = _url("customers:list", owner=user.pk, risk="high")
    widget = Widget("sales_at_risk", _("At-risk customers I own"))
    widget.figures = [Figure(_("Customers"), summary.at_risk, url, key="customers")]
    widget.note = " ".join(
        filter(
            None,
            [
                _("Churn risk %(share)s%% or more.") % {"share": int(AT_RISK_CHURN * 100)},
                _as_of_note(summary.as_of),
            ],
        )
    )
    return widget


# --- service -------------------------------------------------------------------------


def service_my_queue(*, user, today: dt.date | None = None) -> Widget:
    """Open tickets assigned to me, by status."""
    from dangol.service.choices import TicketStatus
    from dangol.service.selectors import ticket_count_by_status

    by_status = ticket_count_by_status(user=user, mine=True)
    widget = Widget("service_queue", _("My queue"))
    widget.figures = [
        Figure(
            _("Open tickets"),
            sum(by_status.values()),
            _url("service:ticket_list", status="active", mine="on"),
            key="open",
        )
    ]
    statuses = [s for s in TicketStatus if s.value in by_status]
    widget.chart = {
        "type": "doughnut",
        "labels": [str(s.label) for s in statuses],
        "datasets": [{"label": str(_("Tickets")), "data": [by_status[s.value] for s in statuses]}],
        "links": [_url("service:ticket_list", status=s.value, mine="on") for s in statuses],
    }
    if not by_status:
        widget.chart = None
        widget.empty = _("No open tickets assigned to you.")
        widget.empty_url = _url("service:ticket_list", status="active")
        widget.empty_action = _("See the desk")
    return widget


def service_sla(*, user, today: dt.date | None = None) -> Widget:
    """SLA clocks about to breach (within the hour) and already breached."""
    from dangol.service.selectors import SLA_DUE_SOON, ticket_count

    widget = Widget("service_sla", _("SLA clocks"))
    widget.figures = [
        Figure(
            _("About to breach (1 h)"),
            ticket_count(user=user, due_within=SLA_DUE_SOON),
            _url("service:ticket_list", status="active", due_soon="on"),
            key="due_soon",
        ),
        Figure(
            _("Breached"),
            ticket_count(user=user, breached=True),
            _url("service:ticket_list", status="active", breached="on"),
            key="breached",
        ),
    ]
    return widget


def service_satisfaction(*, user, today: dt.date | None = None) -> Widget:
    """Satisfaction: surveys answered in the last 30 days and their average score."""
    from dangol.service.selectors import survey_satisfaction

    since = _local_day_start(_today(today) - dt.timedelta(days=30))
    row = survey_satisfaction(since=since)
    url = reverse("service:voc")
    widget = Widget("service_satisfaction", _("Satisfaction, last 30 days"))
    average = round(row["average"], 2) if row["average"] is not None else None
    widget.figures = [
        Figure(_("Average score (1-5)"), average, url, "score", key="average"),
        Figure(_("Surveys answered"), row["answered"], url, key="answered"),
    ]
    if not row["answered"]:
        widget.empty = _("No survey answered in the last 30 days.")
    return widget


# --- marketing -----------------------------------------------------------------------


def marketing_campaigns(*, user, today: dt.date | None = None) -> Widget:
    """Running campaigns with their response and lift over the control group so far."""
    from dangol.marketing.campaigns.selectors import campaign_review_list
    from dangol.marketing.choices import CampaignStatus

    reviews = campaign_review_list(status=CampaignStatus.RUNNING, limit=10)
    url = _url("marketing:dashboard", status=CampaignStatus.RUNNING.value)
    widget = Widget("marketing_campaigns", _("Running campaigns"))
    widget.figures = [Figure(_("Running"), len(reviews), url, key="running")]
    widget.rows = [
        {
            "text": r.name,
            "url": reverse("marketing:campaign_detail", args=[r.campaign_id]),
            "contacts": r.contacts,
            "response_rate": r.response_rate,
            "lift": r.lift_abs,
        }
        for r in reviews
    ]
    widget.chart = {
        "type": "bar",
        "labels": [r.name for r in reviews],
        "datasets": [
            {"label": str(_("Response rate")), "data": [r.response_rate for r in reviews]},
            {"label": str(_("Control rate")), "data": [r.control_rate for r in reviews]},
        ],
        "links": [reverse("marketing:campaign_detail", args=[r.campaign_id]) for r in reviews],
    }
    if not reviews:
        widget.chart = None
        widget.empty = _("No campaign is running.")
        widget.empty_url, widget.empty_action = reverse("marketing:campaign_list"), _("Campaigns")
    return widget


def marketing_segments(*, user, today: dt.date | None = None) -> Widget:
    """Segment sizes as last counted."""
    from dangol.marketing.segments.selectors import segment_list

    segments = [s for s in segment_list() if s.size is not None]
    segments.sort(key=lambda s: (-s.size, s.pk))
    url = reverse("marketing:segment_list")
    widget = Widget("marketing_segments", _("Segment sizes"))
    widget.figures = [Figure(_("Segments"), len(segments), url, key="segments")]
    top = segments[:10]
    widget.chart = {
        "type": "bar",
        "labels": [s.name for s in top],
        "datasets": [{"label": str(_("Customers")), "data": [s.size for s in top]}],
        "links": [reverse("marketing:segment_edit", args=[s.pk]) for s in top],
        "horizontal": True,
    }
    if not segments:
        widget.chart = None
        widget.empty = _("No segment counted yet.")
        widget.empty_url, widget.empty_action = reverse("marketing:segment_new"), _("New segment")
    return widget


# --- manager -------------------------------------------------------------------------


def _no_warehouse(widget: Widget, user) -> Widget:
    from dangol.analytics.pipeline import warehouse_refresh_may_request

    widget.empty = _("There is no warehouse yet.")
    widget.empty_url = reverse("analytics:warehouse")
    widget.empty_action = (
        _("Refresh the warehouse") if warehouse_refresh_may_request(user) else _("Warehouse")
    )
    return widget


def manager_revenue_trend(*, user, today: dt.date | None = None) -> Widget:
    """Revenue and margin by month, the last 12 months, from the warehouse."""
    from dangol.analytics.olap.model import Dimension, Measure, OlapQuery
    from dangol.analytics.olap.selectors import olap_query_run
    from dangol.analytics.warehouse.errors import WarehouseMissing

    last = _today(today)
    first = (last.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    widget = Widget("manager_trend", _("Revenue and margin by month"))
    query = OlapQuery(
        measures=(Measure.REVENUE, Measure.MARGIN),
        by=(Dimension.MONTH,),
        date_from=first,
        date_to=last,
        order_by=("month", False),
    )
    try:
        result = olap_query_run(query=query)
    except WarehouseMissing:
        return _no_warehouse(widget, user)
    records = result.as_records()
    pivot = _url(
        "analytics:pivot",
        measures="revenue",
        by1="month",
        date_from=first.isoformat(),
        date_to=last.isoformat(),
    )
    revenue = sum((Decimal(r["revenue"] or 0) for r in records), Decimal(0))
    margin = sum((Decimal(r["margin"] or 0) for r in records), Decimal(0))
    widget.figures = [
        Figure(_("Revenue, 12 months"), revenue, pivot, "money", "revenue"),
        Figure(_("Margin, 12 months"), margin, pivot, "money", "margin"),
    ]
    widget.chart = {
        "type": "line",
        "labels": [str(r["month"])[:7] for r in records],
        "datasets": [
            {"label": str(_("Revenue")), "data": [float(r["revenue"] or 0) for r in records]},
            {"label": str(_("Margin")), "data": [float(r["margin"] or 0) for r in records]},
        ],
        "links": [pivot for _r in records],
    }
    if not records:
        widget.chart = None
        widget.empty = _("No sales in the last 12 months.")
    return widget


TIER_ORDER = ("top", "middle", "bottom")


def manager_tier_shares(*, user, today: dt.date | None = None) -> Widget:
    """Customers and revenue by value tier, from the warehouse."""
    from dangol.analytics.olap.model import Dimension, Measure, OlapQuery
    from dangol.analytics.olap.selectors import olap_query_run
    from dangol.analytics.warehouse.errors import WarehouseMissing

    widget = Widget("manager_tiers", _("Value tier shares"))
    query = OlapQuery(measures=(Measure.CUSTOMERS, Measure.REVENUE), by=(Dimension.VALUE_TIER,))
    try:
        records = olap_query_run(query=query).as_records()
    except WarehouseMissing:
        return _no_warehouse(widget, user)
    by_tier = {r["value_tier"]: r for r in records if r["value_tier"] in TIER_ORDER}
    total = sum((Decimal(r["revenue"] or 0) for r in records), Decimal(0))
    labels = {"top": _("Top"), "middle": _("Middle"), "bottom": _("Bottom")}
    shares = [
        float(Decimal(by_tier[t]["revenue"] or 0) / total) if t in by_tier and total else 0.0
        for t in TIER_ORDER
    ]
    widget.figures = [
        Figure(
            _("%(tier)s tier share of revenue") % {"tier": labels[t]},
            share,
            _url("customers:list", tier=t),
            "percent",
            f"share_{t}",
        )
        for t, share in zip(TIER_ORDER, shares, strict=True)
        if t in by_tier
    ]
    widget.chart = {
        "type": "doughnut",
        "labels": [str(labels[t]) for t in TIER_ORDER],
        "datasets": [{"label": str(_("Revenue share")), "data": shares}],
        "links": [_url("customers:list", tier=t) for t in TIER_ORDER],
    }
    if not by_tier:
        widget.chart = None
        widget.empty = _("No value tiers yet: they come with the warehouse refresh.")
        widget.empty_url, widget.empty_action = reverse("analytics:pareto"), _("Pareto")
    return widget


def manager_churn_risk(*, user, today: dt.date | None = None) -> Widget:
    """How the customers I see spread over churn-risk bands, and whose are most at risk."""
    from dangol.customers.selectors import (
        churn_band_label,
        customer_churn_band_summary,
        customer_owner_choices,
    )

    summary = customer_churn_band_summary(user=user)
    bands = summary.bands
    widget = Widget("manager_churn", _("Churn risk"))
    widget.figures = [
        Figure(
            # xgettext:no-python-format
            _("At risk (50% or more)"),
            summary.at_risk,
            _url("customers:list", risk="high"),
            key="at_risk",
        ),
        Figure(_("Scored"), summary.scored, "", key="scored"),
    ]
    widget.chart = {
        "type": "bar",
        "labels": [churn_band_label(b["band"]) for b in bands],
        "datasets": [{"label": str(_("Customers")), "data": [b["customers"] for b in bands]}],
        "links": [_url("customers:list", risk=f"b{b['band']}") for b in bands],
    }
    # The owners with the most customers at risk, each linking to their at-risk list.
    high = [b["band"] for b in bands if b["low"] >= 0.5]
    at_risk = sorted(
        (
            (sum(counts[i] for i in high), owner)
            for owner, counts in summary.by_owner.items()
            if owner is not None
        ),
        key=lambda row: (-row[0], row[1]),
    )[:5]
    names = {u.pk: str(u) for u in customer_owner_choices(user=user)} if at_risk else {}
    widget.rows = [
        {
            "text": names.get(owner, str(owner)),
            "customers": n,
            "url": _url("customers:list", owner=owner, risk="high"),
        }
        for n, owner in at_risk
        if n
    ]
    widget.note = _as_of_note(summary.as_of)
    if not summary.scored:
        widget.chart = None
        widget.rows = []
        widget.empty = _("No churn scores yet: train the churn model.")
        widget.empty_url, widget.empty_action = reverse("analytics:model_list"), _("Models")
    return widget


def manager_team_performance(*, user, today: dt.date | None = None) -> Widget:
    """Won deals and their revenue per owner this quarter (operational data)."""
    from dangol.sales.pipeline_selectors import opportunity_won_by_owner

    start, end = _quarter(_today(today))
    rows = opportunity_won_by_owner(user=user, start=start, end=end)
    url = _url("pipeline:forecast", by="owner")
    widget = Widget("manager_team", _("Team performance this quarter"))
    widget.figures = [
        Figure(_("Won deals"), sum(r.won for r in rows), url, key="won"),
        Figure(
            _("Won revenue"), sum((r.revenue for r in rows), Decimal(0)), url, "money", "revenue"
        ),
    ]
    widget.rows = [
        {"text": r.owner, "won": r.won, "revenue": r.revenue, "url": url} for r in rows[:10]
    ]
    widget.chart = {
        "type": "bar",
        "labels": [r.owner for r in rows[:10]],
        "datasets": [
            {"label": str(_("Won revenue")), "data": [float(r.revenue) for r in rows[:10]]}
        ],
        "links": [url for _r in rows[:10]],
        "horizontal": True,
    }
    if not rows:
        widget.chart = None
        widget.empty = _("No deal won this quarter yet.")
    return widget


# --- analyst -------------------------------------------------------------------------


def analyst_warehouse(*, user, today: dt.date | None = None) -> Widget:
    """The warehouse's freshness: last refresh, its age, rows, the latest sale."""
    from dangol.analytics.reports import warehouse_status

    widget = Widget("analyst_warehouse", _("Warehouse freshness"))
    status = warehouse_status()
    if not status["exists"]:
        return _no_warehouse(widget, user)
    url = reverse("analytics:warehouse")
    widget.figures = [
        Figure(
            _("Hours since refresh"),
            round(status["age_hours"], 1) if status["age_hours"] is not None else None,
            url,
            "score",
            "age_hours",
        ),
        Figure(_("Sales rows"), status["rows"].get("fact_sales", 0), url, key="rows_sales"),
        Figure(_("Latest sale"), str(status["last_sale"] or "—"), url, "text", "last_sale"),
    ]
    return widget


def analyst_models(*, user, today: dt.date | None = None) -> Widget:
    """Each predictive model's latest version, when it was trained and what it scored."""
    from dangol.analytics.modelcards.selectors import model_run_list

    widget = Widget("analyst_models", _("Model status"))
    kinds = model_run_list(per_kind=1)
    widget.rows = [
        {
            "text": k.label,
            "version": k.runs[0].version if k.runs else None,
            "when": timezone.localtime(k.runs[0].created_at) if k.runs else None,
            "scored": k.runs[0].customers_scored if k.runs else None,
            "url": reverse("analytics:model_detail", args=[k.runs[0].pk])
            if k.runs
            else reverse("analytics:model_list"),
        }
        for k in kinds
    ]
    trained = sum(1 for k in kinds if k.runs)
    widget.figures = [
        Figure(_("Models trained"), trained, reverse("analytics:model_list"), key="trained")
    ]
    return widget


WIDGETS: dict[str, Callable[..., Widget]] = {
    "sales_pipeline": sales_pipeline,
    "sales_tasks_today": sales_tasks_today,
    "sales_closing": sales_closing_this_month,
    "sales_at_risk": sales_at_risk,
    "service_queue": service_my_queue,
    "service_sla": service_sla,
    "service_satisfaction": service_satisfaction,
    "marketing_campaigns": marketing_campaigns,
    "marketing_segments": marketing_segments,
    "manager_trend": manager_revenue_trend,
    "manager_tiers": manager_tier_shares,
    "manager_churn": manager_churn_risk,
    "manager_team": manager_team_performance,
    "analyst_warehouse": analyst_warehouse,
    "analyst_models": analyst_models,
}

ROLE_WIDGETS: dict[Role, tuple[str, ...]] = {
    Role.SALES: ("sales_pipeline", "sales_tasks_today", "sales_closing", "sales_at_risk"),
    Role.SERVICE: ("service_queue", "service_sla", "service_satisfaction"),
    Role.MARKETING: ("marketing_campaigns", "marketing_segments"),
    Role.MANAGER: ("manager_trend", "manager_tiers", "manager_churn", "manager_team"),
    Role.ANALYST: ("analyst_warehouse", "analyst_models"),
}
ROLE_TABS = {
    Role.SALES: gettext_lazy("Sales"),
    Role.SERVICE: gettext_lazy("Service"),
    Role.MARKETING: gettext_lazy("Marketing"),
    Role.MANAGER: gettext_lazy("Manager"),
    Role.ANALYST: gettext_lazy("Analyst"),
}
# Tab order for a user with several roles.
TAB_ORDER = (Role.MANAGER, Role.SALES, Role.SERVICE, Role.MARKETING, Role.ANALYST)


def home_roles(user) -> list[Role]:
    """Return the dashboards ``user`` gets, in tab order; an admin gets the manager's."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    names = set(user.groups.values_list("name", flat=True))
    if user.is_superuser or Role.ADMIN.value in names:
        names.add(Role.MANAGER.value)
    return [role for role in TAB_ORDER if role.value in names]
