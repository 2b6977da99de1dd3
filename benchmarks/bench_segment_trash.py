"""What leaving trashed customers out of segment counts costs (docs/privacy.md, "Trash").

On a copy of the 1,000,000-customer demo (SQLite), with 200 customers in the trash and
the partial index ``customer_trashed``, times the live count of several rules three
ways, in the same run:

- **before**: the rule alone (the code before this change: trashed customers counted);
- **not_in**: the rule ``AND NOT (id IN (trashed ids))`` (this change; the trashed ids
  are read from the partial index);
- **is_null**: the rule ``AND deleted_at IS NULL`` (the plain alternative, for scale).

    .venv/bin/python benchmarks/bench_segment_trash.py \\
        --source /work/main/var/bench/pipeline-1m.sqlite3 --runs 7

The source is copied once to ``var/bench/segment-trash-1m.sqlite3`` (never written).
Figures are milliseconds: the median over ``--runs`` after one warm-up, of CPU time
(``time.process_time``: this process, which runs SQLite in-process) and of wall time,
with the load average, because the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TRASHED = 200


def _setup(copy: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{copy}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangol.config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


RULES = [
    ("status = customer", {"field": "status", "op": "eq", "value": "customer"}),
    ("region = busan", {"field": "region", "op": "eq", "value": "busan"}),
    (
        "region busan AND status customer",
        {
            "and": [
                {"field": "region", "op": "eq", "value": "busan"},
                {"field": "status", "op": "eq", "value": "customer"},
            ]
        },
    ),
    ("value tier top", {"field": "value_tier", "op": "eq", "value": "top"}),
    ("kind = company", {"field": "kind", "op": "eq", "value": "company"}),
]


def _variants(rule: dict):
    from dangol.customers.models import Customer
    from dangol.marketing.segments.rules import rule_compile

    base = Customer.objects.filter(rule_compile(rule))
    trashed = Customer.objects.filter(deleted_at__isnull=False).values("pk")
    return {
        "before": base,
        "not_in": base.exclude(pk__in=trashed),
        "is_null": base.filter(deleted_at__isnull=True),
        # the count this change uses: all matches minus the trashed ones that match
        "minus": (base, Customer.objects.filter(pk__in=trashed).filter(rule_compile(rule))),
    }


def _count_sql(qs) -> tuple[str, tuple]:
    sql, params = qs.values("pk").query.sql_with_params()
    return f"SELECT COUNT(*) FROM ({sql}) q", params


def _time(qs, runs: int) -> dict:
    from django.db import connection

    parts = [_count_sql(q) for q in (qs if isinstance(qs, tuple) else (qs,))]
    cpu, wall, result = [], [], None
    with connection.cursor() as cursor:
        for i in range(runs + 1):
            c0, w0 = time.process_time(), time.perf_counter()
            counts = []
            for count_sql, params in parts:
                cursor.execute(count_sql, params)
                counts.append(cursor.fetchone()[0])
            result = counts[0] - sum(counts[1:])
            if i:  # the first run warms the page cache
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
    return {
        "count": result,
        "cpu_ms": round(statistics.median(cpu), 1),
        "wall_ms": round(statistics.median(wall), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    copy = REPO / "var" / "bench" / "segment-trash-1m.sqlite3"
    if not copy.exists():
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.source, copy)
    _setup(copy)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS customer_trashed ON customers_customer (deleted_at) "
            "WHERE deleted_at IS NOT NULL"
        )
        cursor.execute(
            "UPDATE customers_customer SET deleted_at = NULL WHERE deleted_at IS NOT NULL"
        )
        cursor.execute(
            "UPDATE customers_customer SET deleted_at = '2026-11-28 00:00:00' "
            "WHERE id IN (SELECT id FROM customers_customer ORDER BY id LIMIT %s OFFSET 1000)",
            [TRASHED],
        )
    load = os.getloadavg()
    report = {"customers_trashed": TRASHED, "load_before": [round(x, 2) for x in load], "rules": []}
    for name, rule in RULES:
        row = {"rule": name}
        for variant, qs in _variants(rule).items():
            row[variant] = _time(qs, args.runs)
        row["ratio_not_in"] = round(row["not_in"]["cpu_ms"] / max(row["before"]["cpu_ms"], 0.1), 2)
        row["ratio_minus"] = round(row["minus"]["cpu_ms"] / max(row["before"]["cpu_ms"], 0.1), 2)
        row["ratio_is_null"] = round(
            row["is_null"]["cpu_ms"] / max(row["before"]["cpu_ms"], 0.1), 2
        )
        report["rules"].append(row)
        print(json.dumps(row), flush=True)
    report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    out = REPO / "benchmarks" / "results" / "segment-trash.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"load average {report['load_before']} -> {report['load_after']}; written {out}")


if __name__ == "__main__":
    main()
