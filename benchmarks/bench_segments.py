"""Benchmark segment evaluation at 1,000,000 customers (issue 6 §1: under 2 s).

Loads, once per database (kept between runs: a SQLite file in ``var/bench/`` and the
PostgreSQL database ``dg_mkt_bench``), the 1,000,000 customers of
``bench_customer_list.generate_rows`` plus a score row per customer, about 400,000 orders
with one line each over a small category tree, and a past campaign with 200,000 members
(opens, clicks). Then, for several rules (attributes, scores, behaviour, nested NOT),
times:

- **count**: the live count of the rule editor (``rule_count``: one SQL statement);
- **snapshot**: a static segment's ``INSERT ... SELECT`` (``segment_snapshot``);
- **members**: ``campaign_members_build`` over the segment (ranked control split);
- **naive**: the baseline in the same run: load the columns the rule needs for every
  customer (plus scores, recent buyers, campaign openers) into Python and filter there.

    .venv/bin/python benchmarks/bench_segments.py                 # both databases
    .venv/bin/python benchmarks/bench_segments.py --db sqlite --runs 5
    .venv/bin/python benchmarks/bench_segments.py --rows 100000   # a quick trial

Figures are milliseconds: median of ``--runs`` after one warm-up (the naive baseline runs
``--naive-runs`` times, it is slow). Results are printed as a table and kept as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
BENCH_DIR = Path(os.environ.get("DANGOL_BENCH_DIR", REPO / "var" / "bench"))
PG_SERVER = os.environ.get("DANGOL_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "dg_mkt_bench"
ROWS = 1_000_000
ORDERS_PER_CUSTOMER = 0.4
CAMPAIGN_MEMBERS = 200_000
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
CATEGORIES = ["Dairy", "Dairy > Milk", "Dairy > Cheese", "Bakery", "Produce", "Drinks"]


def _h(i: int, salt: int) -> int:
    """A cheap deterministic hash in [0, 2^31) (the same data on every run)."""
    x = ((i * 48271 + salt * 69621) % 2147483647) or 1
    return (x * x % 2147483647 * 40692 + x) % 2147483647


def _setup_django(db: str, rows: int) -> None:
    from bench_customer_list import django_setup_for

    django_setup_for(db, rows, pg_db=PG_DB, sqlite_stem="segments")


def _ensure_data(rows: int, *, reload: bool) -> dict:
    """Load customers, scores, orders and a past campaign unless already there."""
    from bench_customer_list import COLUMNS, GROUPS, SALES_USERS, TEAMS, generate_rows
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection, transaction

    from dangol.accounts.models import Team, User
    from dangol.catalog.models import Category, Product
    from dangol.core import bulk
    from dangol.customers.models import Customer, CustomerGroup
    from dangol.marketing.models import Campaign, CampaignMember

    call_command("migrate", verbosity=0)
    if (
        not reload
        and Customer.objects.count() == rows
        and CampaignMember.objects.filter(campaign__name="bench past").count()
        == min(CAMPAIGN_MEMBERS, rows // 5)
    ):
        return {"loaded_s": None}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in (
            "marketing_campaignresponse",
            "marketing_campaignmember",
            "marketing_segmentmember",
            "marketing_campaign",
            "marketing_segment",
            "sales_orderline",
            "sales_order",
            "customers_customerscore",
            "customers_consentevent",
            "customers_customer",
        ):
            cursor.execute(f"DELETE FROM {table}")
    sales_group = Group.objects.get(name="sales")
    owners = []
    for t in range(TEAMS):
        team, _ = Team.objects.get_or_create(name=f"Bench team {t + 1}")
        for s in range(SALES_USERS // TEAMS):
            user, _ = User.objects.get_or_create(
                username=f"bench_sales_{t * (SALES_USERS // TEAMS) + s + 1:02d}", team=team
            )
            user.groups.add(sales_group)
            owners.append(user.pk)
    group_ids = {}
    for code, name, name_ko, _share in GROUPS:
        g, _ = CustomerGroup.objects.get_or_create(
            code=code, defaults={"name": name, "name_ko": name_ko}
        )
        group_ids[code] = g.pk
    categories = {}
    for path in CATEGORIES:
        parent = categories.get(path.rsplit(" > ", 1)[0]) if " > " in path else None
        cat, _ = Category.objects.get_or_create(
            path=path,
            defaults={
                "name": path.rsplit(" > ", 1)[-1],
                "parent": parent,
                "depth": path.count(" > "),
            },
        )
        categories[path] = cat
    products = []
    for k, path in enumerate(CATEGORIES):
        p, _ = Product.objects.get_or_create(
            sku=f"BENCH-{k}",
            defaults={
                "name": f"Bench {path}",
                "category": categories[path],
                "unit_price": 10000,
                "unit_cost": 6000,
            },
        )
        products.append(p.pk)
    tiers = ["top", "middle", "middle", "bottom", "bottom"]
    segments = ["champions", "loyal", "at_risk", "hibernating", "lost", "new"]
    with transaction.atomic():
        bulk.bulk_insert(
            table="customers_customer",
            columns=COLUMNS,
            rows=generate_rows(rows, group_ids=group_ids, owners=owners),
        )
        bulk.reset_sequence(table="customers_customer")
        bulk.bulk_insert(
            table="customers_customerscore",
            columns=["customer_id", "value_tier", "rfm_segment", "clv", "churn_probability",
                     "response_probability"],
            rows=(
                (i, tiers[_h(i, 1) % 5], segments[_h(i, 2) % 6], f"{_h(i, 3) % 2_000_000}.00",
                 (_h(i, 4) % 1000) / 1000, (_h(i, 5) % 1000) / 1000)
                for i in range(1, rows + 1)
                if _h(i, 6) % 10 != 0  # 10% never scored
            ),
        )  # fmt: skip
        orders = int(rows * ORDERS_PER_CUSTOMER)

        def order_rows():
            for o in range(1, orders + 1):
                when = NOW - dt.timedelta(minutes=_h(o, 7) % (730 * 1440))
                status = "cancelled" if _h(o, 8) % 20 == 0 else "completed"
                yield (o, when, when, f"B{o:08d}", 1 + _h(o, 9) % rows, when, "online", status)

        bulk.bulk_insert(
            table="sales_order",
            columns=["id", "created_at", "updated_at", "number", "customer_id", "ordered_at",
                     "channel", "status"],
            rows=order_rows(),
        )  # fmt: skip
        bulk.reset_sequence(table="sales_order")
        bulk.bulk_insert(
            table="sales_orderline",
            columns=["id", "order_id", "product_id", "quantity", "unit_price", "discount"],
            rows=(
                (o, o, products[_h(o, 10) % len(products)], 1, "10000.00", "0.00")
                for o in range(1, orders + 1)
            ),
        )
        bulk.reset_sequence(table="sales_orderline")
    segment_rule = {"field": "status", "op": "eq", "value": "customer"}
    from dangol.marketing.models import Segment

    past_segment = Segment.objects.create(name="bench past", rule=segment_rule)
    past = Campaign.objects.create(
        name="bench past", goal="retention", channel="email", status="completed",
        segment=past_segment, seed=1, launched_at=NOW - dt.timedelta(days=20),
    )  # fmt: skip
    members = min(CAMPAIGN_MEMBERS, rows // 5)
    step = rows // members
    sent = NOW - dt.timedelta(days=20)
    with transaction.atomic():
        bulk.bulk_insert(
            table="marketing_campaignmember",
            columns=["created_at", "updated_at", "campaign_id", "customer_id", "arm", "status",
                     "suppression_reason", "attempts", "message_id", "call_outcome", "sent_at",
                     "opened_at", "clicked_at"],
            rows=(
                (sent, sent, past.pk, 1 + m * step, "treatment", "sent", "", 1, "", "", sent,
                 sent if _h(m, 11) % 4 == 0 else None, sent if _h(m, 12) % 20 == 0 else None)
                for m in range(members)
            ),
        )  # fmt: skip
    loaded = time.perf_counter() - started
    bulk.analyze_tables(
        tables=[
            "customers_customer",
            "customers_customerscore",
            "sales_order",
            "sales_orderline",
            "marketing_campaignmember",
        ]
    )
    return {"loaded_s": round(loaded, 1)}


def _rules() -> list[tuple[str, dict]]:
    from dangol.catalog.models import Category
    from dangol.marketing.models import Campaign

    dairy = Category.objects.get(path="Dairy").pk
    past = Campaign.objects.get(name="bench past").pk
    return [
        (
            "attributes: region in (seoul, gyeonggi) AND email consent",
            {"and": [{"field": "region", "op": "in", "value": ["seoul", "gyeonggi"]},
                     {"field": "consent_email", "op": "is", "value": True}]},
        ),
        (
            "scores: tier=top AND churn >= 0.5",
            {"and": [{"field": "value_tier", "op": "eq", "value": "top"},
                     {"field": "churn_probability", "op": "gte", "value": 0.5}]},
        ),
        (
            "behaviour: bought Dairy (tree) in 90 d AND NOT opened campaign",
            {"and": [{"field": "purchased_category", "op": "within_days",
                      "value": {"category": dairy, "days": 90}},
                     {"not": {"field": "campaign_opened", "op": "is", "value": past}}]},
        ),
        (
            "nested: (group=wholesale OR region=busan) AND NOT tier=bottom AND age 30s/40s "
            "AND NOT bought in 180 d",
            {"and": [{"or": [{"field": "customer_group", "op": "eq", "value": "wholesale"},
                             {"field": "region", "op": "eq", "value": "busan"}]},
                     {"not": {"field": "value_tier", "op": "eq", "value": "bottom"}},
                     {"field": "age_band", "op": "in", "value": ["30s", "40s"]},
                     {"field": "purchased", "op": "not_within_days", "value": {"days": 180}}]},
        ),
        (
            "win-back: churned OR churn >= 0.8, AND (email OR SMS consent)",
            {"and": [{"or": [{"field": "status", "op": "eq", "value": "churned"},
                             {"field": "churn_probability", "op": "gte", "value": 0.8}]},
                     {"or": [{"field": "consent_email", "op": "is", "value": True},
                             {"field": "consent_sms", "op": "is", "value": True}]}]},
        ),
    ]  # fmt: skip


def _naive(rule: dict) -> int:
    """Evaluate ``rule`` the straightforward way: load every customer, filter in Python."""
    from django.utils import timezone

    from dangol.customers.models import Customer, CustomerScore
    from dangol.marketing.models import CampaignMember
    from dangol.marketing.segments.rules import AGE_BANDS, _years_before
    from dangol.sales.models import OrderLine

    scores = {
        cid: (tier, churn)
        for cid, tier, churn in CustomerScore.objects.values_list(
            "customer_id", "value_tier", "churn_probability"
        ).iterator(chunk_size=20_000)
    }
    bought: dict[tuple, set[int]] = {}
    opened: dict[int, set[int]] = {}
    today = timezone.localdate()

    def leaf(c: dict, node: dict) -> bool:
        f, op, v = node["field"], node["op"], node.get("value")
        if f in ("region", "status"):
            return c[f] in v if op == "in" else c[f] == v
        if f == "customer_group":
            return c["customer_group__code"] == v
        if f in ("consent_email", "consent_sms"):
            return c[f] is v
        if f == "value_tier":
            return c["id"] in scores and scores[c["id"]][0] == v
        if f == "churn_probability":
            s = scores.get(c["id"])
            return s is not None and s[1] is not None and s[1] >= v
        if f == "age_band":
            b = c["birth_date"]
            for code in v:
                lo, hi = AGE_BANDS[code]
                if b and b <= _years_before(today, lo) and b > _years_before(today, hi):
                    return True
            return False
        if f in ("purchased", "purchased_category"):
            key = (v["days"], v.get("category"))
            if key not in bought:
                since = timezone.now() - dt.timedelta(days=v["days"])
                lines = OrderLine.objects.filter(order__ordered_at__gte=since).exclude(
                    order__status__in=["cancelled", "returned"]
                )
                if v.get("category"):
                    lines = lines.filter(product__category__path__startswith="Dairy")
                bought[key] = set(lines.values_list("order__customer_id", flat=True))
            hit = c["id"] in bought[key]
            return hit if op == "within_days" else not hit
        if f == "campaign_opened":
            if v not in opened:
                opened[v] = set(
                    CampaignMember.objects.filter(
                        campaign_id=v, opened_at__isnull=False
                    ).values_list("customer_id", flat=True)
                )
            return c["id"] in opened[v]
        raise AssertionError(f)

    def match(c: dict, node: dict) -> bool:
        if "and" in node:
            return all(match(c, n) for n in node["and"])
        if "or" in node:
            return any(match(c, n) for n in node["or"])
        if "not" in node:
            return not match(c, node["not"])
        return leaf(c, node)

    count = 0
    rows = Customer.objects.values(
        "id", "region", "status", "customer_group__code", "consent_email", "consent_sms",
        "birth_date",
    ).iterator(chunk_size=20_000)  # fmt: skip
    for c in rows:
        if match(c, rule):
            count += 1
    return count


def _cpu_seconds() -> float:
    """Return the CPU time spent so far on the work: this process, plus the PostgreSQL
    backend serving it (read from /proc; the server runs on this machine).

    On a machine shared with many jobs the wall time mostly measures waiting for a core;
    the CPU time is the work itself.
    """
    from django.db import connection

    total = time.process_time()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _timed(fn, *, runs: int, warmup: int = 1) -> dict:
    for _ in range(warmup):
        fn()
    times, cpu = [], []
    result = None
    for _ in range(runs):
        c0 = _cpu_seconds()
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((_cpu_seconds() - c0) * 1000)
    return {
        "p50": statistics.median(times),
        "max": max(times),
        "cpu_p50": statistics.median(cpu),
        "result": result,
    }


def run_one(db: str, args) -> dict:
    _setup_django(db, args.rows)
    from django.db import connection, transaction

    from dangol.accounts.models import User
    from dangol.marketing.models import Campaign, CampaignMember, Segment
    from dangol.marketing.segments.selectors import rule_count
    from dangol.marketing.services import campaign_members_build, segment_snapshot

    load = _ensure_data(args.rows, reload=args.reload)
    if connection.vendor == "postgresql":
        # One backend per query, so that its CPU time is the whole work (parallel workers
        # are other processes) and a loaded 2-core machine is not oversubscribed further.
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
    actor = User.objects.filter(is_superuser=True).first()
    report = {"db": db, "rows": args.rows, "load": load, "cases": []}
    for name, rule in _rules():
        count = _timed(lambda rule=rule: rule_count(rule=rule), runs=args.runs)
        segment = Segment.objects.create(name=f"bench {name}"[:200], rule=rule, kind="static")

        def snapshot(segment=segment):
            return segment_snapshot(actor=actor, segment=segment)

        snap = _timed(snapshot, runs=args.runs)

        def members(segment=segment):
            with transaction.atomic():
                campaign = Campaign.objects.create(
                    name="bench build", goal="retention", channel="email", segment=segment,
                    seed=7, control_percent=10,
                )  # fmt: skip
                n = campaign_members_build(campaign=campaign)
                transaction.set_rollback(True)
            return n

        build = _timed(members, runs=max(1, args.runs // 2))
        naive = _timed(lambda rule=rule: _naive(rule), runs=args.naive_runs, warmup=0)
        assert naive["result"] == count["result"] == snap["result"] == build["result"], (
            name, naive["result"], count["result"], snap["result"], build["result"],
        )  # fmt: skip
        CampaignMember.objects.filter(campaign__name="bench build").delete()
        segment.delete()
        report["cases"].append(
            {
                "case": name,
                "matched": count["result"],
                "count_ms": round(count["p50"], 1),
                "count_max_ms": round(count["max"], 1),
                "count_cpu_ms": round(count["cpu_p50"], 1),
                "snapshot_ms": round(snap["p50"], 1),
                "members_ms": round(build["p50"], 1),
                "naive_ms": round(naive["p50"], 1),
                "naive_cpu_ms": round(naive["cpu_p50"], 1),
                "ratio": round(naive["p50"] / count["p50"], 1),
            }
        )
        print(json.dumps(report["cases"][-1]), file=sys.stderr, flush=True)
    report["vendor"] = connection.vendor
    report["loadavg"] = Path("/proc/loadavg").read_text().split()[:3]
    return report


def markdown(report: dict) -> str:
    lines = [
        f"**{report['db']}**, {report['rows']:,} customers "
        f"(load average at the end: {' '.join(report.get('loadavg', []))})",
        "",
        "| rule | matched | count: wall (CPU) ms | snapshot ms | members + split ms "
        "| naive: wall (CPU) ms | naive / count |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in report["cases"]:
        lines.append(
            f"| {c['case']} | {c['matched']:,} | {c['count_ms']:.0f} ({c['count_cpu_ms']:.0f}) "
            f"| {c['snapshot_ms']:.0f} | {c['members_ms']:.0f} "
            f"| {c['naive_ms']:.0f} ({c['naive_cpu_ms']:.0f}) | {c['ratio']:.0f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--naive-runs", type=int, default=1)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.db, args), default=str))
        return
    reports = []
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        argv = ["--rows", str(args.rows), "--runs", str(args.runs)]
        argv += ["--naive-runs", str(args.naive_runs)] + (["--reload"] if args.reload else [])
        cmd = [sys.executable, __file__, "--child", "--db", db, *argv]
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout  # noqa: S603
        reports.append(json.loads(out))
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / "bench_segments.json").write_text(json.dumps(reports, indent=2))
    for report in reports:
        print(markdown(report))
        print()


if __name__ == "__main__":
    main()
