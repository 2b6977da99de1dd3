"""Time every home-page widget on the 1,000,000-customer demo against a naive ORM baseline.

Usage (from the repository root), on a database built by ``dangol demo --customers 1000000``
and refreshed (``dangol warehouse refresh``)::

    DANGOL_DATA_DIR=/path/to/demo .venv/bin/python benchmarks/bench_home_widgets.py \\
        [--runs 7] [--baseline-runs 3] [--only sales_] [--json out.json]

    DATABASE_URL=postgres://... DANGOL_DATA_DIR=... .venv/bin/python benchmarks/...

For each widget of each role (as the demo user of that role: ``demo_sales1``,
``demo_service``, ``demo_marketing``, ``demo_manager``, ``demo_analyst``):

- ``widget``: the widget function (``dangol.core.home.widgets``), one warm-up then
  ``--runs`` timed calls, median and max in milliseconds;
- ``view``: the same through the test client on ``/home/widgets/<name>/`` (rendered HTML,
  session and middleware included), median;
- ``baseline``: the same figures computed the naive way with the ORM (rows into Python and
  counted there, N+1 lookups, live counts instead of stored sizes, operational order lines
  instead of the warehouse), ``--baseline-runs`` runs, median; and the ratio.

The demo has no churn model yet; when no customer has a churn score, the script writes
deterministic synthetic ones (a hash of the id) with one SQL statement so the churn widgets
count something, and says so; it then counts the churn-band summary the widgets read
(``customer_churn_bands_refresh``, what a scoring run does) and prints what that cost.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangol.config.settings")

ROLE_USERS = {
    "sales": "demo_sales1",
    "service": "demo_service",
    "marketing": "demo_marketing",
    "manager": "demo_manager",
    "analyst": "demo_analyst",
}


def _ms(fn, runs: int) -> tuple[float, float, float]:
    """Return the median and max wall time and the median CPU time of ``runs`` calls, in ms.

    On SQLite the query runs in this process, so CPU time is its cost without the wait for
    a core on a shared, loaded machine (DuckDB's threads count too).
    """
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(times), max(times), statistics.median(cpu)


def _ensure_churn_scores() -> str:
    from dangol.customers.models import CustomerScore

    if CustomerScore.objects.filter(churn_probability__isnull=False).exists():
        _ensure_churn_band_summary()
        return "real"
    from django.db import connection

    # Deterministic pseudo-scores in the database itself: (id * 2654435761) mod 1000 / 1000.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO customers_customerscore (customer_id, value_tier, rfm_segment, "
            "churn_probability) SELECT c.id, '', '', ((c.id * 2654435761) % 1000) / 1000.0 "
            "FROM customers_customer c WHERE NOT EXISTS (SELECT 1 FROM customers_customerscore s "
            "WHERE s.customer_id = c.id)"
        )
        cursor.execute(
            "UPDATE customers_customerscore SET churn_probability = "
            "((customer_id * 2654435761) % 1000) / 1000.0 WHERE churn_probability IS NULL"
        )
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE customers_customerscore")
        else:
            cursor.execute("ANALYZE")
    _ensure_churn_band_summary(force=True)
    return "synthetic"


def _ensure_churn_band_summary(*, force: bool = False) -> None:
    """Count the churn bands as a scoring run does (the raw writes above bypass it)."""
    from dangol.customers.models import CustomerChurnBand
    from dangol.customers.score_services import customer_churn_bands_refresh

    if force or not CustomerChurnBand.objects.exists():
        start, start_cpu = time.perf_counter(), time.process_time()
        rows = customer_churn_bands_refresh()
        print(
            f"churn-band summary counted: {rows} rows in "
            f"{time.perf_counter() - start:.1f} s ({time.process_time() - start_cpu:.1f} s CPU)"
        )


# --- baselines: the same figures, the naive way ----------------------------------------


def _baselines():
    import datetime as dt
    from decimal import Decimal

    from django.db.models import Sum
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    from dangol.analytics.models import ModelRun
    from dangol.customers.models import Customer, CustomerScore
    from dangol.customers.permissions import restrict_visible
    from dangol.marketing.models import Campaign, CampaignMember, Segment
    from dangol.marketing.segments.selectors import rule_count
    from dangol.sales.models import Opportunity, Order, OrderLine, Task
    from dangol.service.models import SatisfactionSurvey, Ticket

    today = timezone.localdate()
    now = timezone.now()

    def sales_pipeline(user):
        by_stage: dict = {}
        for opp in Opportunity.objects.filter(owner=user):
            if not (opp.stage.is_won or opp.stage.is_lost):  # one query per row
                by_stage[opp.stage.code] = by_stage.get(opp.stage.code, 0) + 1
        return by_stage

    def sales_tasks_today(user):
        start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
        tasks = [t for t in Task.objects.filter(owner=user) if t.done_at is None]
        return (
            sum(1 for t in tasks if start <= t.due_at < start + dt.timedelta(days=1)),
            sum(1 for t in tasks if t.due_at < start),
        )

    def sales_closing(user):
        first = today.replace(day=1)
        return sum(
            1
            for opp in Opportunity.objects.filter(owner=user)
            if opp.expected_close.year == first.year
            and opp.expected_close.month == first.month
            and not (opp.stage.is_won or opp.stage.is_lost)
        )

    def sales_at_risk(user):
        ids = list(Customer.objects.filter(owner=user).values_list("id", flat=True))
        churn = dict(CustomerScore.objects.values_list("customer_id", "churn_probability"))
        return sum(1 for i in ids if (churn.get(i) or 0) >= 0.5)

    def service_queue(user):
        return sum(
            1
            for t in Ticket.objects.filter(assignee=user)
            if t.status in ("new", "open", "pending")
        )

    def service_sla(user):
        tickets = [t for t in Ticket.objects.all() if t.status in ("new", "open", "pending")]
        soon = now + dt.timedelta(hours=1)
        return (
            sum(1 for t in tickets if t.resolution_due and now <= t.resolution_due < soon),
            sum(1 for t in tickets if t.resolution_due and t.resolution_due < now),
        )

    def service_satisfaction(user):
        since = now - dt.timedelta(days=30)
        scores = [
            s.score
            for s in SatisfactionSurvey.objects.all()
            if s.answered_at and s.answered_at >= since
        ]
        return sum(s for s in scores if s) / len(scores) if scores else None

    def marketing_campaigns(user):
        out = []
        for campaign in Campaign.objects.filter(status="running"):
            members = list(CampaignMember.objects.filter(campaign=campaign))
            out.append(sum(1 for m in members if m.converted_at) / max(1, len(members)))
        return out

    def marketing_segments(user):
        return [rule_count(rule=s.rule) for s in Segment.objects.all()]

    def manager_trend(user):
        first = (today.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
        return list(
            OrderLine.objects.filter(order__ordered_at__date__gte=first)
            .annotate(month=TruncMonth("order__ordered_at"))
            .values("month")
            .annotate(revenue=Sum("unit_price"))
        )

    def manager_tiers(user):
        return list(
            CustomerScore.objects.values("value_tier").annotate(
                revenue=Sum("customer__orders__lines__unit_price")
            )
        )

    def manager_churn(user):
        bands = [0, 0, 0, 0]
        visible = restrict_visible(Customer.objects.all(), user).values("id")
        for churn in CustomerScore.objects.filter(customer__in=visible).values_list(
            "churn_probability", flat=True
        ):
            if churn is not None:
                bands[min(3, int(churn * 4))] += 1
        return bands

    def manager_team(user):
        start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
        totals: dict = {}
        for opp in Opportunity.objects.all():
            if opp.stage.is_won and opp.closed_at and opp.closed_at.date() >= start:
                totals[opp.owner_id] = totals.get(opp.owner_id, Decimal(0)) + opp.amount
        return totals

    def analyst_warehouse(user):
        return Customer.objects.count(), Order.objects.count(), OrderLine.objects.count()

    def analyst_models(user):
        return [
            list(ModelRun.objects.filter(kind=k)) for k in ("clv", "churn", "recommend", "response")
        ]

    return {
        "sales_pipeline": sales_pipeline,
        "sales_tasks_today": sales_tasks_today,
        "sales_closing": sales_closing,
        "sales_at_risk": sales_at_risk,
        "service_queue": service_queue,
        "service_sla": service_sla,
        "service_satisfaction": service_satisfaction,
        "marketing_campaigns": marketing_campaigns,
        "marketing_segments": marketing_segments,
        "manager_trend": manager_trend,
        "manager_tiers": manager_tiers,
        "manager_churn": manager_churn,
        "manager_team": manager_team,
        "analyst_warehouse": analyst_warehouse,
        "analyst_models": analyst_models,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--only", default="", help="Only widgets whose name starts with this.")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--skip-baseline",
        default="",
        help="Comma-separated widgets whose baseline is not run (minutes on 14M lines).",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from dangol.accounts.roles import Role
    from dangol.core.home.widgets import ROLE_WIDGETS, WIDGETS
    from dangol.customers.models import Customer

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    scores = _ensure_churn_scores()
    customers = Customer.objects.count()
    load = os.getloadavg()
    print(
        f"{connection.vendor}, {customers:,} customers, churn scores: {scores}, "
        f"load {load[0]:.2f} {load[1]:.2f}"
    )
    baselines = _baselines()
    user_model = get_user_model()
    results = []
    print(
        f"{'widget':22} {'median':>8} {'max':>8} {'cpu':>8} {'view':>8} {'view cpu':>8} "
        f"{'baseline':>10} {'ratio':>7}"
    )
    for role_name, username in ROLE_USERS.items():
        user = user_model.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for name in ROLE_WIDGETS[Role(role_name)]:
            if not name.startswith(args.only):
                continue
            widget = WIDGETS[name]
            widget(user=user)  # warm-up
            median, worst, cpu = _ms(lambda w=widget, u=user: w(user=u), args.runs)
            url = reverse("home_widget", args=[name])
            assert client.get(url).status_code == 200
            view, _, view_cpu = _ms(lambda c=client, u=url: c.get(u), args.runs)
            base = None
            if not args.no_baseline and name not in args.skip_baseline.split(","):
                base, _, _ = _ms(lambda b=baselines[name], u=user: b(u), args.baseline_runs)
            ratio = base / median if base else None
            results.append(
                {
                    "widget": name,
                    "role": role_name,
                    "median_ms": round(median, 1),
                    "max_ms": round(worst, 1),
                    "cpu_ms": round(cpu, 1),
                    "view_cpu_ms": round(view_cpu, 1),
                    "view_ms": round(view, 1),
                    "baseline_ms": round(base, 1) if base is not None else None,
                    "ratio": round(ratio, 1) if ratio else None,
                }
            )
            base_text = f"{base:10.1f}" if base is not None else f"{'-':>10}"
            ratio_text = f"{ratio:6.1f}x" if ratio else f"{'-':>7}"
            print(
                f"{name:22} {median:8.1f} {worst:8.1f} {cpu:8.1f} {view:8.1f} {view_cpu:8.1f} "
                f"{base_text} {ratio_text}",
                flush=True,
            )
    load = os.getloadavg()
    print(f"load at the end {load[0]:.2f} {load[1]:.2f}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"vendor": connection.vendor, "customers": customers, "results": results}, indent=2
            )
        )


if __name__ == "__main__":
    main()
