"""Refresh cost added by product custom fields (``cf_`` columns of ``dim_product``).

Usage (from the repository root; builds its own demo in a scratch SQLite database unless
``DANGOL_DATA_DIR``/``DATABASE_URL`` point at an existing, migrated one with ``--no-demo``)::

    .venv/bin/python benchmarks/bench_product_custom_fields.py [--runs 3] [--json out.json]

The demo catalogue (1,000 products by default) gets three product fields: a choice
(``material``), a yes/no (``organic``) and a number (``weight``), each set on every product.
Each run times, with the fields active and then with them archived (the baseline, the
refresh as it was before product custom fields): a full refresh, an incremental refresh
with no change, and an incremental refresh after 20 products changed. Figures are the
medians of the runs, wall and CPU (DuckDB's threads and SQLite's reader child
processes included); quote the ratios
(with / without): the machine is shared.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangol.config.settings")
FIELDS = (("material", "choice"), ("organic", "boolean"), ("weight", "number"))
CASES = ("full", "incremental_unchanged", "incremental_20_changed")


def _prepare(*, customers: int, products: int, demo: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from dangol.catalog.models import Product
    from dangol.core.customfields.services import custom_field_create

    if demo:
        call_command("migrate", verbosity=0)
        call_command(
            "demo",
            customers=customers,
            products=products,
            years=1,
            seed=42,
            no_serve=True,
            stdout=io.StringIO(),
        )
    admin = get_user_model().objects.filter(is_superuser=True).first()
    for key, field_type in FIELDS:
        extra = {"choices": ["wood|Wood", "steel|Steel", "glass|Glass"]}
        custom_field_create(
            actor=admin,
            entity="product",
            key=key,
            label=key.title(),
            field_type=field_type,
            **(extra if field_type == "choice" else {}),
        )
    rows = list(Product.objects.order_by("id"))
    for i, product in enumerate(rows):
        product.custom_fields = {
            "material": ("wood", "steel", "glass")[i % 3],
            "organic": i % 2 == 0,
            "weight": round(0.25 * (i % 40), 2),
        }
    Product.objects.bulk_update(rows, ["custom_fields"], batch_size=1000)


def _fields_active(active: bool) -> None:
    """Switch the three product fields on or off (the benchmark's two arms)."""
    from dangol.core.customfields.models import CustomFieldDefinition

    keys = [key for key, _type in FIELDS]
    CustomFieldDefinition.objects.filter(entity="product", key__in=keys).update(archived=not active)


def _touch(count: int) -> None:
    from django.utils import timezone

    from dangol.catalog.models import Product

    ids = list(Product.objects.order_by("?").values_list("id", flat=True)[:count])
    Product.objects.filter(id__in=ids).update(updated_at=timezone.now())


def _cpu() -> float:
    """Return CPU seconds of this process and its finished children (SQLite's reader)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _timed(**kwargs) -> tuple[float, float]:
    from dangol.analytics.warehouse.services import warehouse_refresh

    wall, cpu = time.perf_counter(), _cpu()
    warehouse_refresh(**kwargs)
    return time.perf_counter() - wall, _cpu() - cpu


def _arm(active: bool) -> dict[str, tuple[float, float]]:
    _fields_active(active)
    figures = {"full": _timed(full=True), "incremental_unchanged": _timed()}
    _touch(20)
    figures["incremental_20_changed"] = _timed()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--no-demo", action="store_true", help="use the configured database")
    parser.add_argument("--json", type=Path, default=None, help="write raw figures here")
    args = parser.parse_args()
    if not args.no_demo and "DATABASE_URL" not in os.environ:
        os.environ.setdefault("DANGOL_DATA_DIR", tempfile.mkdtemp(prefix="bench-pcf-"))

    import django

    django.setup()
    from django.db import connection

    started = time.perf_counter()
    _prepare(customers=args.customers, products=args.products, demo=not args.no_demo)
    print(f"prepared in {time.perf_counter() - started:.0f} s", flush=True)
    _arm(True)  # warm-up: caches, first warehouse file
    runs = []
    for number in range(args.runs):
        # Alternate the order so a drift in the machine's load hits both arms alike.
        order = (True, False) if number % 2 == 0 else (False, True)
        run = {("with" if active else "without"): _arm(active) for active in order}
        runs.append(run)
        print(
            f"run {number + 1}: "
            + ", ".join(
                f"{case} {run['with'][case][0]:.2f}/{run['without'][case][0]:.2f} s"
                for case in CASES
            ),
            flush=True,
        )
    summary: dict = {"vendor": connection.vendor, "runs": args.runs, "cases": {}}
    print("| case | with fields (wall, CPU) | without | ratio wall | ratio CPU |")
    print("|---|---|---|---|---|")
    for case in CASES:
        medians = {
            arm: [statistics.median(r[arm][case][k] for r in runs) for k in (0, 1)]
            for arm in ("with", "without")
        }
        ratio = [medians["with"][k] / medians["without"][k] for k in (0, 1)]
        summary["cases"][case] = {**medians, "ratio": ratio}
        print(
            f"| {case} | {medians['with'][0]:.2f} s, {medians['with'][1]:.2f} s | "
            f"{medians['without'][0]:.2f} s, {medians['without'][1]:.2f} s | "
            f"{ratio[0]:.2f} | {ratio[1]:.2f} |"
        )
    summary["load_average"] = os.getloadavg()
    summary["per_run"] = runs
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
