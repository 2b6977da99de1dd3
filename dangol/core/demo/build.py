"""Build the demo business: migrate, clear or refuse, then generate and write chunk by chunk."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TextIO

import numpy as np
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from dangol.accounts.roles import Role
from dangol.core.demo import users as demo_users
from dangol.core.demo import writer
from dangol.core.demo.catalog import LEAVES, catalog_generate
from dangol.core.demo.errors import DemoError, DemoRefusedError
from dangol.core.demo.front_office import front_office_generate
from dangol.core.demo.interactions import interactions_generate
from dangol.core.demo.orders import orders_generate
from dangol.core.demo.people import GROUPS, Staff, consent_events, customer_chunk
from dangol.core.demo.spec import CHUNK_SIZE, DemoSpec
from dangol.customers.models import CustomerGroup
from dangol.sales.models import Order

GROUP_NAMES = {
    "retail": ("Retail", "소매"),
    "wholesale": ("Wholesale", "도매"),
    "industrial": ("Industrial", "산업"),
}


@dataclass
class DemoResult:
    """What a demo run wrote and how long each phase took."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    top20_share: float = 0.0
    revenue: float = 0.0
    credentials: list[tuple[str, Role, str]] = field(default_factory=list)


class _Clock:
    def __init__(self, result: DemoResult, out: TextIO | None):
        self.result, self.out = result, out

    def phase(self, name: str, started: float, note: str = "") -> None:
        took = time.perf_counter() - started
        self.result.seconds[name] = self.result.seconds.get(name, 0.0) + took
        if self.out is not None:
            self.out.write(f"  {name:<13} {took:7.2f} s  {note}\n")
            self.out.flush()


def migrations_pending(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Return whether the database lacks any migration."""
    executor = MigrationExecutor(connections[alias])
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def top_share(revenue: np.ndarray, *, share: float = 0.2) -> float:
    """Return the fraction of revenue that the best ``share`` of customers bring."""
    total = revenue.sum()
    if total <= 0:
        return 0.0
    best = np.sort(revenue)[::-1][: max(1, int(np.ceil(len(revenue) * share)))]
    return float(best.sum() / total)


def demo_build(*, spec: DemoSpec, reset: bool = False, out: TextIO | None = None) -> DemoResult:
    """Generate the demo business described by ``spec`` and write it to the database.

    :param spec: size, seed and period; the same spec always produces the same data.
    :param reset: delete the existing customers, catalogue, orders and interactions
        (and everything referring to them) first; without it a non-empty database is refused.
    :param out: where to print progress, or ``None`` for silence.
    :raises DemoRefusedError: the database holds data and ``reset`` is false.
    """
    if spec.products < len(LEAVES):
        raise DemoError(f"--products must be at least {len(LEAVES)} (one per category)")
    if spec.customers < 1:
        raise DemoError("--customers must be at least 1")
    result = DemoResult()
    clock = _Clock(result, out)
    started_all = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="demo-hash")
    try:
        creds = demo_users.demo_passwords_start(pool)

        t = time.perf_counter()
        if migrations_pending():
            call_command("migrate", interactive=False, verbosity=0)
            clock.phase("migrate", t)

        existing = {k: v for k, v in writer.demo_tables_count().items() if v}
        if existing and not reset:
            held = ", ".join(f"{v:,} {k}" for k, v in existing.items())
            raise DemoRefusedError(
                f"The database already holds data ({held}). The demo only fills an empty "
                "database; run it with --reset to DELETE all customers, products, orders and "
                "interactions (and everything that refers to them) and generate the demo again."
            )
        t = time.perf_counter()
        with transaction.atomic():
            if existing:
                cleared = writer.demo_tables_clear()
                clock.phase("reset", t, f"cleared {len(cleared)} tables")
                t = time.perf_counter()
            user_ids = demo_users.demo_users_create()
            group_ids = [
                CustomerGroup.objects.update_or_create(
                    code=code,
                    defaults={"name": GROUP_NAMES[code][0], "name_ko": GROUP_NAMES[code][1]},
                )[0].pk
                for code in GROUPS
            ]
        staff = Staff(
            sales_capital=[user_ids["demo_sales1"], user_ids["demo_sales2"]],
            sales_south=[user_ids["demo_sales3"], user_ids["demo_sales4"]],
            service=[user_ids["demo_service"]],
        )
        clock.phase("users", t, f"{len(user_ids)} demo users, {len(group_ids)} customer groups")

        t = time.perf_counter()
        catalog = catalog_generate(spec)
        now = writer.timestamps(np.array([spec.start_epoch]))[0]
        with transaction.atomic():
            n_cat, n_prod = writer.catalog_write(catalog, now=now)
        result.counts.update(categories=n_cat, products=n_prod)
        clock.phase("catalog", t, f"{n_cat} categories, {n_prod:,} products")

        revenue, gen_s, write_s = _customers_phase(
            spec, catalog, staff=staff, group_ids=group_ids, result=result, out=out,
            started=started_all,
        )  # fmt: skip
        counts = result.counts
        result.seconds["generate"] = gen_s
        result.seconds["write"] = write_s
        if out is not None:
            out.write(
                f"  {'customers…':<13} {gen_s + write_s:7.2f} s  generate {gen_s:.2f} s, "
                f"write {write_s:.2f} s: {counts['customers']:,} customers, "
                f"{counts['orders']:,} orders, {counts['lines']:,} lines, "
                f"{counts['interactions']:,} interactions, {counts['consents']:,} consents\n"
            )

        t = time.perf_counter()
        writer.demo_sequences_reset()
        clock.phase("finish", t, "sequences and statistics")

        t = time.perf_counter()
        front = front_office_generate(spec=spec, user_ids=user_ids)
        result.counts.update(
            tickets=front.tickets, leads=front.leads, opportunities=front.opportunities
        )
        clock.phase(
            "front office",
            t,
            f"{front.tickets} tickets, {front.leads} leads, {front.opportunities} opportunities",
        )

        t = time.perf_counter()
        demo_users.demo_passwords_apply(creds)
        clock.phase("passwords", t, "hashing finished")
        result.credentials = creds.rows

        result.revenue = float(revenue.sum())
        result.top20_share = top_share(revenue)
        result.seconds["total"] = time.perf_counter() - started_all
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return result


def _customers_phase(
    spec: DemoSpec,
    catalog,
    *,
    staff: Staff,
    group_ids: list[int],
    result: DemoResult,
    out: TextIO | None,
    started: float,
) -> tuple[np.ndarray, float, float]:
    """Generate and write customers with their consents, orders and interactions by chunk.

    Return each customer's net revenue and the seconds spent generating and writing.
    """
    order_type_id = ContentType.objects.get_for_model(Order).pk
    revenue_parts = []
    next_ids = {"order": 1, "line": 1, "consent": 1, "interaction": 1}
    counts = dict.fromkeys(("customers", "consents", "orders", "lines", "interactions"), 0)
    gen_s = write_s = 0.0
    chunks = range(0, spec.customers, CHUNK_SIZE)
    with writer.write_cache():
        for number, offset in enumerate(chunks):
            t = time.perf_counter()
            size = min(CHUNK_SIZE, spec.customers - offset)
            people = customer_chunk(
                spec, chunk=number, first_id=offset + 1, count=size, staff=staff
            )
            consents = consent_events(spec, people, chunk=number)
            orders, lines, revenue = orders_generate(
                spec, people, catalog, chunk=number,
                first_order_id=next_ids["order"], first_line_id=next_ids["line"],
            )  # fmt: skip
            talks = interactions_generate(spec, people, orders, staff, chunk=number)
            revenue_parts.append(revenue)
            t_write = time.perf_counter()
            gen_s += t_write - t
            # One transaction per chunk keeps PostgreSQL's deferred foreign-key queue and
            # SQLite's WAL bounded however many customers are generated.
            with transaction.atomic():
                counts["customers"] += writer.customers_write(people, group_ids=group_ids)
                n = writer.consents_write(consents, first_id=next_ids["consent"])
                counts["consents"] += n
                next_ids["consent"] += n
                n_o, n_l = writer.orders_write(orders, lines)
                counts["orders"] += n_o
                counts["lines"] += n_l
                next_ids["order"] += n_o
                next_ids["line"] += n_l
                n = writer.interactions_write(
                    talks, first_id=next_ids["interaction"], order_type_id=order_type_id
                )
                counts["interactions"] += n
                next_ids["interaction"] += n
            write_s += time.perf_counter() - t_write
            if out is not None and len(chunks) > 1:
                out.write(
                    f"    chunk {number + 1}/{len(chunks)}: {counts['customers']:,} customers, "
                    f"{counts['orders']:,} orders ({time.perf_counter() - started:.0f} s)\n"
                )
                out.flush()
    result.counts.update(counts)
    return np.concatenate(revenue_parts), gen_s, write_s
