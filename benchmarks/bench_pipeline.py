"""Time the whole analytic chain: full refresh + RFM + Pareto + tiers + write-back.

Usage (from the repository root, against existing operational databases)::

    .venv/bin/python benchmarks/bench_pipeline.py \\
        [--sqlite var/bench/pipeline-1m.sqlite3] \\
        [--postgres postgres://postgres@127.0.0.1:5432/dg_speed] \\
        [--runs 3] [--baseline-runs 1] [--json var/bench/pipeline.json]

The databases are made once with ``dangol demo --customers 1000000 --years 1.4
--no-serve --end-date 2026-11-27`` (about 10.6M order lines; see docs/performance.md,
"Pipeline"); this script only reads them and rewrites ``customers_customerscore``.

Each run is a fresh child process (``--child chain``) with its own scratch
``DANGOL_DATA_DIR``, timing in order:

1. ``warehouse_refresh(full=True)``: extraction, transform, OLAP rollups, publish;
2. RFM + tiers per customer (``customer_scores_frame``, the query the write-back uses);
3. Pareto (Lorenz curves and Gini of revenue and margin);
4. the write-back of RFM scores, segment and tier (``customer_scores_bulk_write``, with
   ``clear_others`` and ``skip_unchanged``, exactly as ``customer_scores_refresh``).

The baseline (``--child pandas``) is the straightforward pandas script for steps 1-3:
``pandas.read_sql`` of the same extraction queries, merge/convert in pandas, then RFM with
``groupby`` + ``qcut``, Pareto with ``sort_values`` + ``cumsum``, tiers by rank. It writes
nothing back and builds no rollups, so the ratio printed compares steps 1-3 only (the
chain's total still includes its write-back). Each child reports its wall time, CPU time
(the engine threads included) and peak RSS (its own, and of its ``sqlite_reader``
children). Figures are medians over the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangol.config.settings")
DEFAULT_SQLITE = ROOT / "var" / "bench" / "pipeline-1m.sqlite3"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/dg_speed"


def _pid_cpu(pid: int) -> float:
    """Return the CPU seconds of process ``pid`` (same machine), or 0."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend_cpu() -> float:
    """Return the CPU seconds of this connection's PostgreSQL backend (same machine), or 0."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return _pid_cpu(pid)


# CPU seconds of the ADBC reader connections' backends, read just before each closes.
_READER_BACKENDS = {"closed": 0.0}


def _count_reader_backends() -> None:
    """Add the backend CPU of the refresh's ADBC PostgreSQL reader to ``_all_cpu``."""
    try:
        import adbc_driver_postgresql.dbapi as adbc_pg
    except ImportError:
        return
    connect = adbc_pg.connect

    def counted(*args, **kwargs):
        conn = connect(*args, **kwargs)
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        close = conn.close

        def close_counted():
            _READER_BACKENDS["closed"] += _pid_cpu(pid)
            close()

        conn.close = close_counted
        return conn

    adbc_pg.connect = counted


def _all_cpu() -> float:
    """CPU seconds of this process, its finished children and the PostgreSQL backends."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (
        time.process_time()
        + children.ru_utime
        + children.ru_stime
        + _backend_cpu()
        + _READER_BACKENDS["closed"]
    )


class Clock:
    """Wall and CPU seconds of named steps (cpu: this process; cpu_all: with the SQLite
    reader children and the PostgreSQL backend, the work a quiet machine would run)."""

    def __init__(self) -> None:
        self.steps: dict[str, dict[str, float]] = {}

    def step(self, name: str):
        clock = self

        class _Step:
            def __enter__(self):
                self.wall, self.cpu = time.perf_counter(), time.process_time()
                self.cpu_all = _all_cpu()

            def __exit__(self, *exc):
                clock.steps[name] = {
                    "wall": time.perf_counter() - self.wall,
                    "cpu": time.process_time() - self.cpu,
                    "cpu_all": _all_cpu() - self.cpu_all,
                }
                print(f"  {name}: {clock.steps[name]}", file=sys.stderr, flush=True)

        return _Step()


def _peaks() -> dict[str, float]:
    return {
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_rss_children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def child_chain() -> dict:
    import django

    django.setup()
    from django.utils import timezone

    from dangol.analytics.services import SCORE_WRITE_FIELDS, customer_scores_frame
    from dangol.analytics.tiers import pareto
    from dangol.analytics.warehouse.connection import warehouse_connect
    from dangol.analytics.warehouse.services import warehouse_refresh
    from dangol.customers.score_services import customer_scores_bulk_write

    _count_reader_backends()
    clock = Clock()
    with clock.step("refresh"):
        result = warehouse_refresh(
            full=True, progress=lambda p, d, t: print(f"    {p}", file=sys.stderr, flush=True)
        )
    print(f"  phases: {result.timings}", file=sys.stderr, flush=True)
    print(f"  phases cpu: {result.cpu_timings}", file=sys.stderr, flush=True)
    con = warehouse_connect()
    ((as_of,),) = con.execute("SELECT max(order_date) FROM fact_sales_valid").fetchall()
    with clock.step("rfm_tiers"):
        table = customer_scores_frame(con=con, as_of=as_of)
    with clock.step("pareto"):
        gini = pareto(con=con, as_of=as_of)["gini_revenue"]
    con.close()
    with clock.step("write_back"):
        frame = table.to_pandas()
        frame["computed_at"] = timezone.now()
        written = customer_scores_bulk_write(
            rows=frame, fields=SCORE_WRITE_FIELDS, clear_others=True, skip_unchanged=True
        )
    return {
        "steps": clock.steps,
        "refresh_phases": result.timings,
        "refresh_phases_cpu": result.cpu_timings,
        "rows": result.rows,
        "scored": table.num_rows,
        "written": written,
        "gini_revenue": round(float(gini), 6),
        "as_of": str(as_of),
        **_peaks(),
    }


def child_pandas() -> dict:
    """The straightforward pandas version of refresh + RFM + Pareto + tiers (no write-back)."""
    import warnings

    import django

    django.setup()
    import numpy as np
    import pandas as pd
    from django.conf import settings
    from django.db import connection

    from dangol.analytics.rfm import DEFAULT_WINDOW_DAYS, segment_for
    from dangol.analytics.warehouse import queries
    from dangol.analytics.warehouse.extract import _render

    clock = Clock()
    connection.ensure_connection()
    frames = {}
    with clock.step("refresh"):
        for query in (queries.CUSTOMERS, queries.PRODUCTS, queries.ORDER_LINES):
            sql, _ = _render(query, vendor=connection.vendor, since=None)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pandas warns about non-SQLAlchemy DBAPIs
                frames[query.name] = pd.read_sql(sql, connection.connection)
            frames[query.name].columns = [name for name, _ in query.columns]
        lines = frames["order_lines"]
        products = frames["products"][["product_id", "unit_cost"]]
        lines = lines.merge(products, on="product_id", how="left")
        lines["ordered_at"] = pd.to_datetime(lines["ordered_at"], utc=True).dt.tz_convert(
            settings.TIME_ZONE
        )
        lines["order_date"] = lines["ordered_at"].dt.tz_localize(None).dt.normalize()
        for col in ("unit_price", "discount", "unit_cost"):
            lines[col] = lines[col].astype(float)
        lines["revenue"] = lines["quantity"] * lines["unit_price"] - lines["discount"]
        lines["margin"] = lines["revenue"] - lines["quantity"] * lines["unit_cost"]
        valid = lines[~lines["status"].isin(["cancelled", "returned"])]
    as_of = valid["order_date"].max()
    with clock.step("rfm_tiers"):
        window = valid[valid["order_date"] > as_of - pd.Timedelta(days=DEFAULT_WINDOW_DAYS)]
        g = window.groupby("customer_id").agg(
            last=("order_date", "max"),
            frequency=("order_id", "nunique"),
            monetary=("revenue", "sum"),
            margin=("margin", "sum"),
        )
        g["recency_days"] = (as_of - g["last"]).dt.days
        g = g.reset_index().sort_values("customer_id")
        labels = [1, 2, 3, 4, 5]
        g["r"] = pd.qcut((-g["recency_days"]).rank(method="first"), 5, labels=labels).astype(int)
        g["f"] = pd.qcut(g["frequency"].rank(method="first"), 5, labels=labels).astype(int)
        g["m"] = pd.qcut(g["monetary"].rank(method="first"), 5, labels=labels).astype(int)
        lookup = {(r, fm): segment_for(r, fm) for r in labels for fm in labels}
        g["segment"] = [lookup[k] for k in zip(g["r"], (g["f"] + g["m"]) // 2, strict=True)]
        g = g.sort_values(["margin", "customer_id"], ascending=[False, True])
        n = len(g)
        rank = np.arange(1, n + 1)
        g["tier"] = np.where(
            rank <= np.floor(n * 0.2 + 0.5),
            "top",
            np.where(rank <= np.floor(n * 0.7 + 0.5), "middle", "bottom"),
        )
    with clock.step("pareto"):
        c = window.groupby("customer_id")[["revenue", "margin"]].sum()
        gini = {}
        for col in ("revenue", "margin"):
            x = np.sort(c[col].to_numpy())
            n = len(x)
            gini[col] = 2 * np.sum(np.arange(1, n + 1) * x) / (n * x.sum()) - (n + 1) / n
    return {
        "steps": clock.steps,
        "rows": {"fact_sales": len(lines), "dim_customer": len(frames["customers"])},
        "scored": len(g),
        "gini_revenue": round(float(gini["revenue"]), 6),
        **_peaks(),
    }


def run_child(kind: str, database_url: str) -> dict:
    with tempfile.TemporaryDirectory(dir=ROOT / "var") as scratch:
        env = {**os.environ, "DATABASE_URL": database_url, "DANGOL_DATA_DIR": scratch}
        proc = subprocess.run(  # noqa: S603 (this script, with a fixed argument)
            [sys.executable, __file__, "--child", kind],
            env=env,
            stdout=subprocess.PIPE,  # the result; progress goes to stderr as it comes
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} child failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _total(run: dict, steps=("refresh", "rfm_tiers", "pareto", "write_back")) -> tuple:
    wall = sum(run["steps"][s]["wall"] for s in steps if s in run["steps"])
    cpu = sum(run["steps"][s].get("cpu_all", 0) for s in steps if s in run["steps"])
    return wall, cpu


def summarize(name: str, runs: list[dict], baselines: list[dict]) -> dict:
    def med(values):
        return round(statistics.median(values), 2)

    steps = ["refresh", "rfm_tiers", "pareto", "write_back"]
    out: dict = {"database": name, "runs": len(runs), "rows": runs[-1]["rows"]}
    for step in steps:
        out[step] = {
            key: med([r["steps"][step][key] for r in runs]) for key in ("wall", "cpu", "cpu_all")
        }
    phases = runs[-1]["refresh_phases"].keys()
    out["refresh_phases"] = {p: med([r["refresh_phases"][p] for r in runs]) for p in phases}
    out["refresh_phases_cpu"] = {
        p: med([r.get("refresh_phases_cpu", {}).get(p, 0) for r in runs]) for p in phases
    }
    out["total"] = {
        "wall": med([_total(r)[0] for r in runs]),
        "cpu": med([_total(r)[1] for r in runs]),
    }
    out["peak_rss_mb"] = max(max(r["peak_rss_mb"], r["peak_rss_children_mb"]) for r in runs)
    out["load_average"] = os.getloadavg()
    if baselines:
        three = ("refresh", "rfm_tiers", "pareto")
        ours = med([_total(r, three)[0] for r in runs])
        ours_cpu = med([_total(r, three)[1] for r in runs])
        base = {s: med([b["steps"][s]["wall"] for b in baselines]) for s in three}
        base_cpu = med([_total(b, three)[1] for b in baselines])
        out["pandas"] = {
            **base,
            "total_wall": round(sum(base.values()), 2),
            "peak_rss_mb": max(b["peak_rss_mb"] for b in baselines),
            "gini_revenue": baselines[-1]["gini_revenue"],
            "scored": baselines[-1]["scored"],
        }
        out["pandas"]["total_cpu_all"] = base_cpu
        out["ratio_pandas_vs_ours_steps_1_3"] = round(sum(base.values()) / ours, 1)
        out["ratio_pandas_vs_ours_steps_1_3_cpu"] = round(base_cpu / ours_cpu, 1)
        out["ratio_by_step"] = {
            s: round(base[s] / out[s]["wall"], 1) if out[s]["wall"] else None for s in three
        }
    out["gini_revenue"] = runs[-1]["gini_revenue"]
    out["scored"] = runs[-1]["scored"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=["chain", "pandas"])
    parser.add_argument("--sqlite", type=Path, default=DEFAULT_SQLITE)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-runs", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.child:
        result = child_chain() if args.child == "chain" else child_pandas()
        print(json.dumps(result, default=str))
        return
    databases = {"sqlite": f"sqlite:///{args.sqlite.resolve()}", "postgresql": args.postgres}
    report = []
    for name, url in databases.items():
        if args.only and name != args.only:
            continue
        runs, baselines = [], []
        for number in range(max(args.runs, args.baseline_runs)):
            if number < args.runs:
                runs.append(run_child("chain", url))
                wall, cpu = _total(runs[-1])
                print(
                    f"{name} run {number + 1}: {wall:.1f} s (cpu, all processes {cpu:.1f} s) "
                    f"{json.dumps({k: round(v['wall'], 1) for k, v in runs[-1]['steps'].items()})}",
                    flush=True,
                )
            if number < args.baseline_runs:
                baselines.append(run_child("pandas", url))
                steps = {k: round(v["wall"], 1) for k, v in baselines[-1]["steps"].items()}
                print(f"{name} pandas {number + 1}: {json.dumps(steps)}", flush=True)
        summary = summarize(name, runs, baselines)
        report.append(summary)
        print(json.dumps(summary, indent=2, default=str), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
