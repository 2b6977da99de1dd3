"""What the erasure's copy scan costs on a large interaction table, before and after.

``customers.privacy_copies.copies_redact`` looks for an erased person's strings in free
text that does not point at them. The table that grows is ``touchpoints_interaction``
(subject and body). Two versions, timed in the same run on the same data:

- **before**: the code before this change (kept here verbatim as ``_before``): one scan
  per (table, field), one ``icontains`` per string (PostgreSQL: ``UPPER(x) LIKE
  UPPER(p)`` per string);
- **after**: ``copies_redact`` now: one scan per table with all its fields and strings
  in one condition (PostgreSQL: ``LOWER(x) LIKE ANY (patterns)``, the value lowered once).

Both find the same rows (asserted). Each run is inside a transaction rolled back, so
every run redacts the same planted copies. Rounds alternate; figures are medians.

    .venv/bin/python benchmarks/bench_erasure_copies.py --rows 2000000 --rounds 5
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dg_bench \\
        .venv/bin/python benchmarks/bench_erasure_copies.py --rows 2000000 --rounds 5

Without ``DATABASE_URL`` a SQLite file ``var/bench/erasure-copies.sqlite3`` is used. The
database is migrated and filled once (kept for later runs with the same row count).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NEEDLES_OF = ("Hong Gildong", "gildong.hong@example.test", "010-9876-5432", "01098765432")
PLANTED = 25


def _setup() -> None:
    if "DATABASE_URL" not in os.environ:
        path = REPO / "var" / "bench" / "erasure-copies.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangol.config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fill(rows: int) -> None:
    """Give the interaction table ``rows`` rows (PLANTED of them quoting the person)."""
    from django.db import connection, transaction

    from dangol.customers.models import Customer
    from dangol.touchpoints.models import Interaction

    if Interaction.objects.count() == rows:
        return
    Interaction.objects.all().delete()
    customer, _ = Customer.objects.get_or_create(name="Someone Else", defaults={"kind": "person"})
    step = rows // PLANTED
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            series = "SELECT g AS n FROM generate_series(1, %s) g"
            now = "now()"
        else:
            series = (
                "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < %s) "
                "SELECT n FROM s"
            )
            now = "datetime('now')"
        quote = f"CASE WHEN n %% {step} = 0 THEN ' about Hong Gildong' ELSE '' END"
        cursor.execute(
            f"""
            INSERT INTO touchpoints_interaction (customer_id, channel, direction, subject,
                body, occurred_at, outcome, created_at, updated_at)
            SELECT %s, 'phone', 'inbound', 'Call about order ' || n || {quote},
                   'Customer asked about delivery of order ' || n || ' and the invoice; '
                   || 'agreed to call back next week after checking the stock.',
                   {now}, '', {now}, {now}
            FROM ({series}) q""",
            [customer.pk, rows],
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE touchpoints_interaction")


def _before(*, needles: list[str]) -> dict[str, int]:
    """The copy scan before this change (dangol/customers/privacy_copies.py, verbatim)."""
    from django.apps import apps
    from django.db.models import Q, TextField
    from django.db.models.functions import Cast

    from dangol.customers.privacy_copies import COPY_FIELDS, _pattern, _redact

    def contains_any(column: str) -> Q:
        condition = Q()
        for needle in needles:
            condition |= Q(**{f"{column}__icontains": needle})
            escaped = json.dumps(needle)[1:-1]
            if escaped != needle:
                condition |= Q(**{f"{column}__icontains": escaped})
        return condition

    pattern = _pattern(needles)
    changed: dict[str, int] = {}
    for label, field, is_json in COPY_FIELDS:
        model = apps.get_model(label)
        rows = model._default_manager.all()
        if is_json:
            rows = rows.annotate(_text=Cast(field, TextField())).filter(contains_any("_text"))
        else:
            rows = rows.filter(contains_any(field))
        for pk, value in rows.values_list("pk", field).iterator():
            redacted = _redact(value, pattern)
            if redacted != value:
                model._default_manager.filter(pk=pk).update(**{field: redacted})
                changed[label] = changed.get(label, 0) + 1
    return changed


def _timed(fn, needles) -> tuple[float, dict]:
    from django.db import transaction

    with transaction.atomic():
        started = time.perf_counter()
        changed = fn(needles=needles)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed, changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    _setup()
    from django.db import connection

    from dangol.customers.privacy_copies import copies_redact, person_needles

    started = time.perf_counter()
    _fill(args.rows)
    fill_seconds = time.perf_counter() - started
    needles = person_needles(*NEEDLES_OF)
    times: dict[str, list[float]] = {"before": [], "after": []}
    found: dict[str, dict] = {}
    _timed(copies_redact, needles)  # warm the cache once
    for _ in range(args.rounds):
        for name, fn in (("before", _before), ("after", copies_redact)):
            elapsed, changed = _timed(fn, needles)
            times[name].append(elapsed)
            found[name] = changed
    assert found["before"] == found["after"], found
    medians = {name: statistics.median(values) for name, values in times.items()}
    result = {
        "database": connection.vendor,
        "rows": args.rows,
        "planted": found["after"].get("touchpoints.Interaction", 0),
        "rounds": args.rounds,
        "fill_seconds": round(fill_seconds, 1),
        "before_s": round(medians["before"], 3),
        "after_s": round(medians["after"], 3),
        "ratio": round(medians["before"] / medians["after"], 2),
        "all_s": {name: [round(v, 3) for v in values] for name, values in times.items()},
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
