"""Time the customer search over the load test's search terms, gated and planner-only.

The load test (``benchmarks/load``) searches by name, e-mail and phone prefixes taken from
the demo's customers. On PostgreSQL a few e-mail prefixes (``order1``...: company order
desks, all among the oldest customers) made the planner walk the primary key through the
whole table. ``customers.selectors._branch_postgresql`` now counts a prefix's matches
first; this script times every term both ways in the same run, interleaved, through
``customer_list`` as the load test's manager and salesperson:

- ``gated``: the code as it is;
- ``planner``: the earlier branch, which left the path to the planner's estimate (kept
  below as the baseline).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dg_perf \\
        .venv/bin/python benchmarks/bench_search_prefixes.py --rounds 3

Run it on the 1M demo (``dangol demo --customers 1000000``). Figures are milliseconds per
search (median, p95, p99, max over all terms of a round), then the median over rounds;
the JSON goes to ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangol.config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from dangol.accounts.models import User  # noqa: E402
from dangol.customers import selectors  # noqa: E402
from dangol.customers.models import Customer  # noqa: E402
from dangol.customers.permissions import restrict_visible  # noqa: E402

USERS = ("demo_manager", "demo_sales1")
SEED = 20261128  # the load test's seed
SAMPLE = 1500


def planner_branch(base: tuple[str, tuple], branch, *, matches, size, after, before):
    """Return the branch as before the gate: one subquery, the path left to the planner."""
    base_sql, base_params = base
    condition, like = branch
    past, cursor_params, direction = selectors._past_cursor(after=after, before=before)
    return selectors._BranchSql(
        sql=f"SELECT b.id FROM ({base_sql}) b WHERE {condition} AND {past}"
        f" ORDER BY b.id {direction} LIMIT %s",
        params=(*base_params, *like, *cursor_params, size + 1),
    )


GATED = selectors._branch_postgresql


def terms(manager: User, sample: int) -> dict[str, list[str]]:
    """Return the load test's search terms: prefixes of the manager's customers' fields."""
    rng = random.Random(SEED)
    live = restrict_visible(
        Customer.objects.filter(merged_into__isnull=True, deleted_at__isnull=True), manager
    )
    with connection.cursor() as cur:
        cur.execute("SELECT max(id) FROM customers_customer")
        top = cur.fetchone()[0]
    probe = sorted({rng.randint(1, top) for _ in range(sample * 2)})
    found = live.filter(id__in=probe).values_list("name", "email", "phone_digits")
    rows = list(found)[:sample]
    return {
        "name": sorted({n[: rng.choice((2, 3))] for n, _, _ in rows if n and len(n) >= 3}),
        "email": sorted({e.split("@")[0][: rng.choice((4, 5, 6))] for _, e, _ in rows if e}),
        "phone": sorted({p[: rng.choice((7, 8))] for _, _, p in rows if p and len(p) >= 8}),
    }


def timed(user: User, query: str, branch_fn) -> tuple[float, list[int]]:
    selectors._branch_postgresql = branch_fn
    started = time.perf_counter()
    page = selectors.customer_list(user=user, query=query)
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, [c.id for c in page.items]


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    return {
        "n": len(ordered),
        "median": round(statistics.median(ordered), 2),
        "p95": round(pct(0.95), 2),
        "p99": round(pct(0.99), 2),
        "max": round(ordered[-1], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--slowest", type=int, default=8, help="terms to list per way")
    parser.add_argument("--sample", type=int, default=SAMPLE, help="customers to take terms from")
    parser.add_argument("--kinds", default="name,email,phone", help="which terms to time")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("The gate is PostgreSQL's; set DATABASE_URL to the 1M demo.", file=sys.stderr)
        return 2
    users = [User.objects.get(username=name) for name in USERS]
    search_terms = terms(users[0], args.sample)
    kinds = args.kinds.split(",")
    cases = [(u, k, t) for u in users for k, ts in search_terms.items() if k in kinds for t in ts]
    print(f"{len(cases)} searches per way and round ({', '.join(USERS)})", flush=True)
    ways = {"gated": GATED, "planner": planner_branch}
    if os.environ.get("BENCH_VARIANT"):  # an experiment: a module with _branch_postgresql
        import importlib.util

        spec = importlib.util.spec_from_file_location("variant", os.environ["BENCH_VARIANT"])
        variant = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(variant)
        ways["variant"] = variant._branch_postgresql
    rounds = []
    worst: dict[str, list] = {w: [] for w in ways}
    mismatches = 0
    for number in range(args.rounds):
        times: dict[str, dict[str, list[float]]] = {w: {} for w in ways}
        order = list(cases)
        random.Random(number).shuffle(order)
        for user, kind, term in order:
            pages = {}
            # Alternate which goes first so neither gets the other's warm cache every time.
            names = list(ways) if hash((term, number)) % 2 else list(reversed(ways))
            random.Random(hash((term, number))).shuffle(names)
            for way in names:
                ms, ids = timed(user, term, ways[way])
                pages[way] = ids
                times[way].setdefault(kind, []).append(ms)
                times[way].setdefault("all", []).append(ms)
                worst[way].append((ms, kind, term, user.username))
            mismatches += any(pages[w] != pages["planner"] for w in pages)
        selectors._branch_postgresql = GATED
        stats = {w: {k: summary(v) for k, v in per.items()} for w, per in times.items()}
        rounds.append(stats)
        line = "  ".join(
            f"{w}: median {s['all']['median']} p99 {s['all']['p99']} max {s['all']['max']}"
            for w, s in stats.items()
        )
        print(f"round {number + 1}: {line}", flush=True)
    result = {"rounds": rounds, "mismatched_pages": mismatches, "cases": len(cases)}
    result["median_of_rounds"] = {
        w: {
            kind: {
                stat: statistics.median(r[w][kind][stat] for r in rounds)
                for stat in ("median", "p95", "p99", "max")
            }
            for kind in rounds[0][w]
        }
        for w in ways
    }
    for way in ways:
        slowest = sorted(worst[way], reverse=True)[: args.slowest]
        result.setdefault("slowest", {})[way] = [
            {"ms": round(ms, 1), "kind": k, "term": t, "user": u} for ms, k, t, u in slowest
        ]
    print(f"pages that differ between the two ways: {mismatches}")
    print(json.dumps(result["median_of_rounds"], indent=1))
    print(json.dumps(result["slowest"], indent=1, ensure_ascii=False))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = REPO / "benchmarks" / "results" / f"search-prefixes-{stamp}.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(f"written {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
