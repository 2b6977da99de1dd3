"""Benchmark bulk imports (issue 3): 1,000,000 customers and 1,000,000+ order lines.

Run: ``.venv/bin/python benchmarks/bench_import.py [--customers 1000000] [--lines 1000000]
[--runs 3] [--vendors sqlite,postgresql]``. PostgreSQL uses the database named by
``--pg-url`` (default ``postgres://postgres@127.0.0.1:5432/dg_bench_import``), dropped and
created for every run. Each measurement runs in a fresh process on a freshly migrated
database, so peak memory (max RSS) is the import's own. Baselines run in the same
invocation on a sample and are extrapolated per row: ``update_or_create`` per row in one
transaction, and django-import-export with a default ``ModelResource``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/dg_bench_import"
FAMILY = list("김이박최정강조윤장임한오서신권황안송류홍")
GIVEN = list("민서지현준우수영하은도윤예진성호유나태경")
CITIES = ["강남구", "수원시", "해운대구", "성남시", "분당구", "중구", "남구", "Jeju-si", "고양시"]
REGIONS = ["seoul", "gyeonggi", "busan", "incheon", "daegu", "jeju", "gangwon", ""]


def make_customers_csv(path: Path, n: int, seed: int = 7) -> None:
    """Write ``n`` realistic customer rows (Korean names, mixed consents) to ``path``."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n + 1)
    family = np.array(FAMILY)[rng.integers(0, len(FAMILY), n)]
    given = np.char.add(
        np.array(GIVEN)[rng.integers(0, len(GIVEN), n)],
        np.array(GIVEN)[rng.integers(0, len(GIVEN), n)],
    )
    frame = pd.DataFrame(
        {
            "external_id": pd.Series(ids).map("C{:08d}".format),
            "kind": np.where(rng.random(n) < 0.05, "company", "person"),
            "name": pd.Series(np.char.add(family, given)),
            "email": pd.Series(ids).map("user{}@example.kr".format),
            "phone": pd.Series(rng.integers(10_000_000, 99_999_999, n)).map(
                lambda v: f"010-{v // 10000:04d}-{v % 10000:04d}"
            ),
            "gender": np.array(["female", "male", ""])[rng.integers(0, 3, n)],
            "birth_date": pd.Series(
                pd.Timestamp("1950-01-01") + pd.to_timedelta(rng.integers(0, 20000, n), "D")
            ).dt.strftime("%Y-%m-%d"),
            "region": np.array(REGIONS)[rng.integers(0, len(REGIONS), n)],
            "city": np.array(CITIES)[rng.integers(0, len(CITIES), n)],
            "customer_group": np.array(["retail", "wholesale", "industrial"])[
                rng.integers(0, 3, n)
            ],
            "acquisition_channel": np.array(["store", "online", "call_center", "referral"])[
                rng.integers(0, 4, n)
            ],
            "status": np.array(["customer", "lead", "prospect", "churned"])[rng.integers(0, 4, n)],
        }
    )
    for i, channel in enumerate(("email", "sms", "phone", "post")):
        frame[f"consent_{channel}"] = (rng.random(n) < 0.3 - i * 0.05).astype(int)
    frame.to_csv(path, index=False)


def make_changed_csv(source: Path, path: Path, share: float = 0.1, seed: int = 11) -> None:
    """Write ``source`` again with ``share`` of its rows changed (city, status, consent)."""
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    picked = rng.random(len(frame)) < share
    frame.loc[picked, "city"] = "변경시"
    frame.loc[picked, "status"] = "churned"
    frame.loc[picked, "consent_sms"] = "1"
    frame.to_csv(path, index=False)


def make_orders_csv(path: Path, lines: int, customers: int, products: int, seed: int = 8):
    """Write ``lines`` order lines (about 3 per order) over existing customers and SKUs."""
    rng = np.random.default_rng(seed)
    orders = max(1, lines // 3)
    order_of_line = np.sort(rng.integers(0, orders, lines))
    cust_of_order = rng.integers(1, customers + 1, orders)
    when = pd.Timestamp("2022-01-01") + pd.to_timedelta(
        rng.integers(0, 3 * 365 * 86400, orders), "s"
    )
    numbers = pd.Series(np.arange(orders)).map("O{:09d}".format).to_numpy()
    frame = pd.DataFrame(
        {
            "order_number": numbers[order_of_line],
            "customer_external_id": pd.Series(cust_of_order[order_of_line]).map("C{:08d}".format),
            "ordered_at": pd.Series(when.strftime("%Y-%m-%d %H:%M:%S")).to_numpy()[order_of_line],
            # Line k of an order gets product k-th past a random start: no duplicate SKU.
            "sku": "",
            "quantity": rng.integers(1, 6, lines),
            "unit_price": rng.integers(10, 2000, lines) * 100,
            "discount": 0,
            "channel": np.array(["store", "online", "call_center"])[rng.integers(0, 3, orders)][
                order_of_line
            ],
        }
    )
    rank = pd.Series(order_of_line).groupby(order_of_line).cumcount().to_numpy()
    start = rng.integers(0, products, orders)[order_of_line]
    frame["sku"] = pd.Series((start + rank) % products + 1).map("P{:05d}".format)
    frame.to_csv(path, index=False)


def make_products_csv(path: Path, n: int) -> None:
    frame = pd.DataFrame(
        {
            "sku": [f"P{i:05d}" for i in range(1, n + 1)],
            "name": [f"상품 {i}" for i in range(1, n + 1)],
            "category_path": [f"식품 > 분류 {i % 20}" for i in range(1, n + 1)],
            "unit_price": 1000,
            "unit_cost": 600,
            "active": 1,
        }
    )
    frame.to_csv(path, index=False)


# --- worker side (a fresh process per measurement) ---------------------------------------------


def _setup_django(url: str, data_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "dangol.config.settings"
    os.environ["DANGOL_DATA_DIR"] = data_dir
    if url:
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _fresh_database(url: str) -> None:
    """Drop and create the PostgreSQL database of ``url`` (SQLite: a new file)."""
    if not url:
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_reset() -> None:
    """Reset the process's peak RSS (Linux ``clear_refs``), to measure one step alone."""
    Path("/proc/self/clear_refs").write_text("5")


def _peak_since_reset_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker(task: str, url: str, data_dir: str, files: dict) -> dict:
    _setup_django(url, data_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from dangol.customers.models import CustomerGroup

    for code in ("retail", "wholesale", "industrial"):
        CustomerGroup.objects.get_or_create(code=code, defaults={"name": code.title()})
    from dangol.integration.importers import import_file

    out: dict = {"task": task}
    if task.endswith("_whole"):
        # The same-run baseline: the file read, validated and staged whole (no slices).
        from dangol.integration import streaming

        streaming.STREAM_MIN_BYTES = 1 << 62
        task = task.removesuffix("_whole")
    if task == "customers":
        _peak_reset()
        t0 = time.perf_counter()
        result = import_file(kind="customers", path=files["customers"])
        out["seconds"] = time.perf_counter() - t0
        out["step_peak_mb"] = _peak_since_reset_mb()
        out["rows"] = result.inserted
        t0 = time.perf_counter()
        again = import_file(kind="customers", path=files["customers"])
        out["reimport_seconds"] = time.perf_counter() - t0
        out["reimport_unchanged"] = again.unchanged
        t0 = time.perf_counter()
        changed = import_file(kind="customers", path=files["changed"])
        out["changed_seconds"] = time.perf_counter() - t0
        out["changed_updated"] = changed.updated
    elif task == "orders":
        import_file(kind="products", path=files["products"])
        import_file(kind="customers", path=files["customers"])
        _peak_reset()
        t0 = time.perf_counter()
        result = import_file(kind="orders", path=files["orders"])
        out["seconds"] = time.perf_counter() - t0
        out["step_peak_mb"] = _peak_since_reset_mb()
        out["orders"] = result.inserted
        out["rows"] = result.extra.get("lines_written", 0)
    elif task == "sample_ours":
        t0 = time.perf_counter()
        result = import_file(kind="customers", path=files["sample"])
        out["seconds"] = time.perf_counter() - t0
        out["rows"] = result.inserted
    elif task == "sample_orm":
        out.update(_orm_per_row(files["sample"]))
    elif task == "sample_iex":
        out.update(_import_export(files["sample_iex"]))
    out["peak_mb"] = _peak_mb()
    return out


def _orm_per_row(path: str) -> dict:
    """The straightforward importer: csv.DictReader and update_or_create per row."""
    import csv

    from django.db import transaction

    from dangol.customers.models import Customer, CustomerGroup
    from dangol.customers.normalize import normalize_email, normalize_phone

    groups = {g.code: g for g in CustomerGroup.objects.all()}
    t0 = time.perf_counter()
    rows = 0
    with open(path, encoding="utf-8") as f, transaction.atomic():
        for row in csv.DictReader(f):
            Customer.objects.update_or_create(
                external_id=row["external_id"],
                defaults={
                    "kind": row["kind"],
                    "name": row["name"],
                    "email": normalize_email(row["email"]),
                    "phone": row["phone"],
                    "phone_digits": normalize_phone(row["phone"]),
                    "gender": row["gender"],
                    "birth_date": row["birth_date"] or None,
                    "region": row["region"],
                    "city": row["city"],
                    "customer_group": groups.get(row["customer_group"]),
                    "acquisition_channel": row["acquisition_channel"],
                    "status": row["status"],
                    **{
                        f"consent_{c}": row[f"consent_{c}"] == "1"
                        for c in ("email", "sms", "phone", "post")
                    },
                },
            )
            rows += 1
    return {"seconds": time.perf_counter() - t0, "rows": rows}


def _import_export(path: str) -> dict:
    """django-import-export with a default ModelResource keyed by external_id."""
    import tablib
    from import_export import resources

    from dangol.customers.models import Customer

    class CustomerResource(resources.ModelResource):
        class Meta:
            model = Customer
            import_id_fields = ("external_id",)
            fields = (
                "external_id",
                "kind",
                "name",
                "email",
                "phone",
                "gender",
                "birth_date",
                "region",
                "city",
                "acquisition_channel",
                "status",
                "consent_email",
                "consent_sms",
                "consent_phone",
                "consent_post",
            )

    frame = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["customer_group"])
    dataset = tablib.Dataset(*frame.itertuples(index=False, name=None), headers=list(frame.columns))
    t0 = time.perf_counter()
    result = CustomerResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "rows": result.totals.get("new", 0)}


# --- driver ------------------------------------------------------------------------------------


def run(task: str, url: str, files: dict) -> dict:
    _fresh_database(url)
    with tempfile.TemporaryDirectory() as data_dir:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        proc = subprocess.run(  # noqa: S603 - our own interpreter and script
            [
                sys.executable,
                __file__,
                "--worker",
                task,
                "--url",
                url,
                "--data-dir",
                data_dir,
                "--files",
                json.dumps(files),
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=False,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"{task} on {url or 'sqlite'} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _make_files(files: dict, args) -> None:
    Path(files["customers"]).parent.mkdir(parents=True, exist_ok=True)
    make_customers_csv(Path(files["customers"]), args.customers)
    make_changed_csv(Path(files["customers"]), Path(files["changed"]))
    make_customers_csv(Path(files["sample"]), args.sample, seed=9)
    make_customers_csv(Path(files["sample_iex"]), args.iex_sample, seed=9)
    make_products_csv(Path(files["products"]), 2_000)
    _make_orders_in_parts(Path(files["orders"]), args.lines, args.customers, 2_000)


def _make_orders_in_parts(path: Path, lines: int, customers: int, products: int) -> None:
    """Write the order lines a million at a time (10M at once needs ~6 GB here)."""
    step = 1_000_000
    with path.open("w", encoding="utf-8") as out:
        for part, start in enumerate(range(0, lines, step)):
            tmp = path.with_suffix(f".part{part}")
            make_orders_csv(tmp, min(step, lines - start), customers, products, seed=8 + part)
            text = tmp.read_text(encoding="utf-8")
            if part:
                text = text.split("\n", 1)[1]
                # Order numbers of each part are their own: prefix them with the part.
                text = text.replace("\nO", f"\nO{part:02d}-").removeprefix("O")
                text = f"O{part:02d}-" + text
            out.write(text)
            tmp.unlink()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--iex-sample", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--order-runs", type=int, default=1)
    parser.add_argument("--vendors", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument(
        "--skip",
        default="",
        help="comma list: customers,orders,baselines,customers_whole,orders_whole",
    )
    parser.add_argument("--files-dir", help="generate the files here once and reuse them")
    parser.add_argument("--worker")
    parser.add_argument("--url", default="")
    parser.add_argument("--data-dir")
    parser.add_argument("--files")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.url, args.data_dir, json.loads(args.files))))
        return

    skip = set(filter(None, args.skip.split(",")))
    # --files-dir: reuse the files of an earlier run (a 10M-line file takes minutes).
    work = Path(args.files_dir) if args.files_dir else Path(tempfile.mkdtemp(prefix="bench-"))
    files = {
        k: str(work / f"{k}.csv")
        for k in ("customers", "changed", "sample", "sample_iex", "products", "orders")
    }
    t0 = time.perf_counter()
    if not args.files_dir or not Path(files["orders"]).exists():
        _make_files(files, args)
    print(f"# files ready in {time.perf_counter() - t0:.1f} s in {work}", flush=True)
    report: dict = {}
    for vendor in args.vendors.split(","):
        url = args.pg_url if vendor == "postgresql" else ""
        res: dict = {}
        tasks = []
        if "baselines" not in skip:
            tasks += [("sample_ours", 1), ("sample_orm", 1), ("sample_iex", 1)]
        if "customers" not in skip:
            tasks.append(("customers", args.runs))
        if "customers_whole" not in skip:
            tasks.append(("customers_whole", args.runs))
        if "orders" not in skip:
            tasks.append(("orders", args.order_runs))
        if "orders_whole" not in skip:
            tasks.append(("orders_whole", args.order_runs))
        for task, runs in tasks:
            results = [run(task, url, files) for _ in range(runs)]
            secs = [r["seconds"] for r in results]
            rows = results[0]["rows"]
            res[task] = {
                "runs": [round(s, 2) for s in secs],
                "median_s": round(statistics.median(secs), 2),
                "rows": rows,
                "rows_per_s": round(rows / statistics.median(secs)),
                "peak_mb": round(max(r["peak_mb"] for r in results)),
                "step_peak_mb": round(max(r.get("step_peak_mb", 0) for r in results)),
                **{
                    k: v
                    for k, v in results[0].items()
                    if k in ("reimport_unchanged", "changed_updated", "orders")
                },
                **{
                    f"{k}_median": round(statistics.median(r[k] for r in results), 2)
                    for k in ("reimport_seconds", "changed_seconds")
                    if k in results[0]
                },
            }
            print(f"{vendor:10} {task:12} {json.dumps(res[task], ensure_ascii=False)}", flush=True)
        if {"sample_orm", "sample_iex", "customers"} <= set(res):
            # Same-run ratios: the baselines' seconds per row, scaled to the full file.
            ours = res["customers"]["median_s"]
            for task in ("sample_orm", "sample_iex"):
                per_row = res[task]["median_s"] / res[task]["rows"]
                res[task]["extrapolated_s"] = round(per_row * args.customers, 1)
                res[task]["times_slower"] = round(per_row * args.customers / ours, 1)
            print(f"{vendor:10} ratios {json.dumps(res, ensure_ascii=False)}", flush=True)
        for kind in ("customers", "orders"):
            if {kind, f"{kind}_whole"} <= set(res):
                # Slices against the whole file, same run: time and the step's peak memory.
                res[f"{kind}_sliced_vs_whole"] = {
                    "time_ratio": round(
                        res[kind]["median_s"] / res[f"{kind}_whole"]["median_s"], 2
                    ),
                    "memory_ratio": round(
                        res[kind]["step_peak_mb"] / max(res[f"{kind}_whole"]["step_peak_mb"], 1),
                        2,
                    ),
                }
                print(f"{vendor:10} {kind} sliced/whole {res[f'{kind}_sliced_vs_whole']}")
        report[vendor] = res
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
