"""Time ``dangol demo`` against per-row ORM writes of the same generated data.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_demo.py [--runs 3] [--postgres URL] [--write-docs]

The demo runs in fresh subprocesses: SQLite on a new file each run (migrate included),
PostgreSQL on an emptied schema. The baselines generate the same kind of data with the
same generators for a sample of customers and write it with ``Model.objects.create`` per
row and with ``bulk_create``; their time is extrapolated to the default demo by rows
written. Figures are medians; ratios compare runs made in the same invocation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
END_DATE = "2026-11-27"
SECTION = "## Demo generation (issue 2)"
MARKER = "<!-- bench_demo.py writes the text above this line; notes below are kept -->"


def _env(data_dir: str, database_url: str | None) -> dict[str, str]:
    env = dict(
        os.environ, DANGOL_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="dangol.config.settings"
    )
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _empty_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def run_demo(database_url: str | None, customers: int) -> dict:
    """Run the demo in a subprocess on an empty database; return its timings and counts."""
    with tempfile.TemporaryDirectory() as data_dir:
        if database_url:
            _empty_postgres(database_url)
        started = time.perf_counter()
        proc = subprocess.run(  # noqa: S603 (our own interpreter and script)
            [PYTHON, "-m", "dangol", "demo", "--no-serve", "--customers", str(customers),
             "--end-date", END_DATE],
            cwd=ROOT, env=_env(data_dir, database_url), capture_output=True, text=True,
            check=True,
        )  # fmt: skip
        wall = time.perf_counter() - started
    out = proc.stdout
    phase = re.search(r"customers…\s+([\d.]+) s", out)
    data_line = next(line for line in out.splitlines() if "customers…" in line)
    counted = re.findall(r"([\d,]+) (?:customers|orders|lines|interactions|consents)", data_line)
    rows = sum(int(n.replace(",", "")) for n in counted)
    share = re.search(r"bring ([\d.]+)%", out)
    return {
        "wall": wall,
        "phase": float(phase.group(1)),
        "rows": rows,
        "top20": float(share.group(1)),
    }


def baseline(method: str, customers: int) -> dict:
    """Write ``customers`` generated customers and their records one ORM call per row."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangol.config.settings")

    django.setup()
    import numpy as np
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import transaction

    from dangol.catalog.models import Product
    from dangol.core.demo import users as demo_users
    from dangol.core.demo import writer
    from dangol.core.demo.build import GROUP_NAMES
    from dangol.core.demo.catalog import catalog_generate
    from dangol.core.demo.interactions import interactions_generate
    from dangol.core.demo.orders import orders_generate
    from dangol.core.demo.people import (
        CONSENT_CHANNELS,
        GROUPS,
        STATUSES,
        Staff,
        consent_events,
        customer_chunk,
    )
    from dangol.core.demo.spec import CHUNK_SIZE, DemoSpec
    from dangol.customers.models import ConsentEvent, Customer, CustomerGroup
    from dangol.sales.models import Order, OrderLine
    from dangol.touchpoints.models import Interaction

    call_command("migrate", verbosity=0)
    spec = DemoSpec(customers=customers, end_date=dt.date.fromisoformat(END_DATE))
    ids = demo_users.demo_users_create()
    staff = Staff(
        [ids["demo_sales1"], ids["demo_sales2"]], [ids["demo_sales3"], ids["demo_sales4"]],
        [ids["demo_service"]],
    )  # fmt: skip
    groups = [
        CustomerGroup.objects.create(code=c, name=GROUP_NAMES[c][0], name_ko=GROUP_NAMES[c][1]).pk
        for c in GROUPS
    ]
    catalog = catalog_generate(spec)
    writer.catalog_write(catalog, now=writer.timestamps(np.array([spec.start_epoch]))[0])
    assert Product.objects.count() == spec.products
    order_ct = ContentType.objects.get_for_model(Order).pk

    def aware(epoch):
        return [dt.datetime.fromtimestamp(int(e), tz=dt.UTC) for e in epoch]

    rows = 0
    started = time.perf_counter()
    for chunk, offset in enumerate(range(0, spec.customers, CHUNK_SIZE)):
        size = min(CHUNK_SIZE, spec.customers - offset)
        people = customer_chunk(spec, chunk=chunk, first_id=offset + 1, count=size, staff=staff)
        consents = consent_events(spec, people, chunk=chunk)
        orders, lines, _ = orders_generate(
            spec, people, catalog, chunk=chunk, first_order_id=1, first_line_id=1
        )
        talks = interactions_generate(spec, people, orders, staff, chunk=chunk)
        created = aware(people.created_at)
        order_at = aware(orders.ordered_at)
        talk_at = aware(talks.occurred_at)
        consent_at = aware(consents.occurred_at)
        company_first = np.argsort(~people.is_company, kind="stable")
        objs = {"customers": [], "consents": [], "orders": [], "lines": [], "interactions": []}
        for i in company_first.tolist():
            objs["customers"].append(Customer(
                id=int(people.ids[i]), created_at=created[i],
                kind="company" if people.is_company[i] else "person",
                company_id=people.company_id[i], external_id=people.external_id[i],
                name=people.name[i], email=people.email[i], phone=people.phone[i],
                phone_digits=people.phone_digits[i], gender=str(people.gender[i]),
                birth_date=people.birth_date[i], region=people.region[i], city=people.city[i],
                customer_group_id=groups[people.group[i]],
                acquisition_channel=str(people.acquisition[i]),
                status=str(STATUSES[people.status[i]]), owner_id=int(people.owner_id[i]) or None,
                **{f"consent_{c}": bool(people.consent[i, k])
                   for k, c in enumerate(CONSENT_CHANNELS)},
            ))  # fmt: skip
        for j in range(len(consents.channel)):
            objs["consents"].append(ConsentEvent(
                customer_id=int(consents.customer_id[j]), channel=consents.channel[j],
                granted=True, occurred_at=consent_at[j], source=consents.source[j],
            ))  # fmt: skip
        for j in range(len(orders.ids)):
            objs["orders"].append(Order(
                id=int(orders.ids[j]), created_at=order_at[j], number=orders.number[j],
                customer_id=int(orders.customer_id[j]), ordered_at=order_at[j],
                channel=str(orders.channel[j]), status=str(orders.status[j]),
            ))  # fmt: skip
        for j in range(len(lines.ids)):
            objs["lines"].append(OrderLine(
                order_id=int(lines.order_id[j]), product_id=int(lines.product_id[j]),
                quantity=int(lines.quantity[j]), unit_price=int(lines.unit_price[j]),
                discount=int(lines.discount[j]),
            ))  # fmt: skip
        for j in range(len(talks.channel)):
            sid = int(talks.subject_id[j]) or None
            objs["interactions"].append(Interaction(
                customer_id=int(talks.customer_id[j]), channel=talks.channel[j],
                direction=talks.direction[j], subject=talks.subject[j], body=talks.body[j],
                occurred_at=talk_at[j], created_at=talk_at[j],
                user_id=int(talks.user_id[j]) or None, outcome=talks.outcome[j],
                subject_type_id=order_ct if sid else None, subject_id=sid,
            ))  # fmt: skip
        with transaction.atomic():
            for batch in objs.values():
                if not batch:
                    continue
                model = type(batch[0])
                if method == "create":
                    for obj in batch:
                        obj.save(force_insert=True)
                else:
                    model.objects.bulk_create(batch, batch_size=5000)
                rows += len(batch)
    return {"seconds": time.perf_counter() - started, "rows": rows}


def run_baseline(method: str, customers: int, database_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as data_dir:
        if database_url:
            _empty_postgres(database_url)
        proc = subprocess.run(  # noqa: S603 (our own interpreter and script)
            [PYTHON, __file__, "--baseline-child", method, "--customers", str(customers)],
            cwd=ROOT, env=_env(data_dir, database_url), capture_output=True, text=True,
            check=True,
        )  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--customers", type=int, default=22_000)
    parser.add_argument("--sample", type=int, default=2_000, help="baseline customers")
    parser.add_argument("--postgres", default="", help="URL of an expendable PostgreSQL database")
    parser.add_argument("--write-docs", action="store_true", help="update docs/performance.md")
    parser.add_argument(
        "--baseline-child", choices=["create", "bulk_create"], help=argparse.SUPPRESS
    )
    args = parser.parse_args()

    if args.baseline_child:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(baseline(args.baseline_child, args.customers)))
        return

    results = {}
    backends = [("SQLite", None)] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
    for label, url in backends:
        demos = []
        for run in range(args.runs):
            demos.append(run_demo(url, args.customers))
            print(f"{label} demo run {run + 1}: {demos[-1]}", flush=True)
        base = {}
        for method in ("create", "bulk_create"):
            base[method] = run_baseline(method, args.sample, url)
            print(
                f"{label} baseline {method} ({args.sample:,} customers): {base[method]}", flush=True
            )
        results[label] = (demos, base)

    intro = (
        f"`dangol demo` with the defaults ({args.customers:,} customers, 1,000 products, two "
        f"years, seed 42, end date {END_DATE}), measured by `benchmarks/bench_demo.py` on "
        f"{dt.date.today():%Y-%m-%d} (2 shared cores; medians of {args.runs} runs, each on an "
        "empty database). *Total* is the whole command including `migrate`; *data phase* is "
        "generating and writing customers, consents, orders, lines and interactions. The "
        "baselines write the same generated data for a sample of "
        f"{args.sample:,} customers with one `save()` per row or with `bulk_create`, and are "
        "extrapolated to the demo's row count."
    )
    lines = [
        SECTION,
        "",
        textwrap.fill(intro, width=92),
        "",
        "| database | total | data phase | rows written | rows/s | `save()` per row (extrap.) "
        "| `bulk_create` (extrap.) | speed-up vs `save()` | vs `bulk_create` |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, (demos, base) in results.items():
        total = statistics.median(d["wall"] for d in demos)
        phase = statistics.median(d["phase"] for d in demos)
        rows = demos[0]["rows"]
        ext = {m: b["seconds"] * rows / b["rows"] for m, b in base.items()}
        lines.append(
            f"| {label} | {total:.1f} s | {phase:.1f} s | {rows:,} | {rows / phase:,.0f} | "
            f"{ext['create']:.0f} s | {ext['bulk_create']:.0f} s | "
            f"{ext['create'] / phase:.1f}x | {ext['bulk_create'] / phase:.1f}x |"
        )
    share = next(iter(results.values()))[0][0]["top20"]
    lines += ["", f"Top 20% of customers bring {share:.1f}% of net revenue (seed 42).", ""]
    text = "\n".join(lines)
    print("\n" + text)
    if args.write_docs:
        write_section(text)


def write_section(text: str) -> None:
    """Replace the generated part of this benchmark's section of docs/performance.md.

    Notes written by hand below ``MARKER`` (such as the 1,000,000-customer runs) and every
    other section are kept as they are.
    """
    path = ROOT / "docs" / "performance.md"
    current = path.read_text() if path.exists() else "# Performance\n"
    generated = text.rstrip("\n") + "\n\n" + MARKER + "\n"
    start = current.find(SECTION)
    if start == -1:
        updated = current.rstrip("\n") + "\n\n" + generated
    else:
        nxt = current.find("\n## ", start + len(SECTION))
        end = nxt + 1 if nxt != -1 else len(current)
        section = current[start:end]
        notes = section.split(MARKER, 1)[1].lstrip("\n") if MARKER in section else ""
        body = generated + ("\n" + notes if notes else "")
        updated = (
            current[:start] + body.rstrip("\n") + "\n" + ("\n" + current[end:] if nxt != -1 else "")
        )
    path.parent.mkdir(exist_ok=True)
    path.write_text(updated)


if __name__ == "__main__":
    main()
