"""Benchmark: RFM, Pareto/Gini and value tiers on DuckDB against straightforward pandas.

Synthetic, seeded data (hash-based, so every run writes the same rows): 1,000,000 customers
and 10,000,000 order lines in a DuckDB file with the warehouse contract's schema, and the
same ``fact_sales`` as Parquet for pandas, generated once and kept in
``var/bench-rfm-<customers>-<lines>/`` (``--data DIR`` to move it). First the per-customer
summary is built as the warehouse refresh builds it (timed: it is refresh cost). Then each
engine runs in its own fresh subprocess per round (cold: the pandas side reads the Parquet
file for every task, as a script would), the two alternating so they see the same machine
load; the child reports its peak RSS. DuckDB runs RFM three ways: as the product runs it for
the refresh's date (from the summary), from the facts (any other date; the two tables must
be equal), and NTILE over the summary rows (quintiles not precomputed). Figures are medians
over the rounds, ratios within this run.

Then the write-back of 1,000,000 scores through ``customer_scores_bulk_write`` on SQLite
(a fresh file) and PostgreSQL (``--postgres URL``, a database this benchmark may empty).

    .venv/bin/python benchmarks/bench_rfm.py [--rounds 3] [--postgres postgres://.../db]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

AS_OF = dt.date(2025, 12, 31)
WINDOW_DAYS = 1095  # the whole synthetic history (2023-01-01 .. 2025-12-31)
CUSTOMERS = 1_000_000
LINES = 10_000_000


def generate(folder: Path, *, customers: int, lines: int) -> tuple[Path, Path]:
    """Write the DuckDB warehouse and a Parquet copy of fact_sales; return both paths."""
    import duckdb

    from dangol.analytics.warehouse import schema

    path = folder / "bench.duckdb"
    parquet = folder / "fact_sales.parquet"
    con = duckdb.connect(str(path))
    schema.schema_create(con=con)
    con.execute(
        """
        INSERT INTO dim_product
        SELECT i, 'SKU' || i, 'Product ' || i, 'C' || (i % 12) || ' > S' || (i % 40),
               'C' || (i % 12), 'S' || (i % 40), '', p, round(p * 0.6, 2), true
        FROM (SELECT range AS i, (1000 + hash(range, 7) % 49000)::DECIMAL(14,2) AS p
              FROM range(1, 1001))
        """
    )
    con.execute(
        f"""
        INSERT INTO fact_sales
        WITH l AS (
            SELECT range AS line, range // 3 AS ord FROM range(1, {lines} + 1)
        ), o AS (
            SELECT line, ord,
                   1 + hash(ord, 1) % {customers} AS customer_id,
                   1 + hash(line, 2) % 1000 AS product_id,
                   DATE '2023-01-01' + (hash(ord, 3) % 1095)::INTEGER AS d,
                   hash(ord, 4) % 100 AS s,
                   1 + hash(line, 5) % 4 AS q,
                   hash(line, 6) % 10 AS disc
            FROM l
        )
        SELECT o.line, o.ord, 'O' || o.ord, o.customer_id, o.product_id,
               o.d + INTERVAL 10 HOUR, o.d, 'online',
               CASE WHEN o.s = 0 THEN 'cancelled' WHEN o.s = 1 THEN 'returned'
                    ELSE 'delivered' END,
               o.q, p.unit_price, o.q * p.unit_price,
               CASE WHEN o.disc = 0 THEN round(o.q * p.unit_price * 0.1, 2) ELSE 0 END,
               o.q * p.unit_price
                 - CASE WHEN o.disc = 0 THEN round(o.q * p.unit_price * 0.1, 2) ELSE 0 END,
               o.q * p.unit_cost,
               o.q * p.unit_price
                 - CASE WHEN o.disc = 0 THEN round(o.q * p.unit_price * 0.1, 2) ELSE 0 END
                 - o.q * p.unit_cost
        FROM o JOIN dim_product p USING (product_id)
        """
    )
    con.execute(
        # order_date as TIMESTAMP: pandas reads a Parquet DATE as Python objects, which
        # would make the baseline slow for a reason no pandas user would keep.
        f"COPY (SELECT customer_id, order_id, order_date::TIMESTAMP AS order_date, status, "
        f"revenue, margin "
        f"FROM fact_sales) TO '{parquet}' (FORMAT parquet)"
    )
    con.execute("CHECKPOINT")
    con.close()
    return path, parquet


# --- children: one engine, all three tasks, timed in-process ---------------------------


def child_summary(path: str) -> dict:
    """Build the per-customer summary as the warehouse refresh does; time it."""
    import duckdb
    from django.conf import settings

    settings.configure()
    from dangol.analytics.rfm import customer_summary_build

    con = duckdb.connect(path)
    start = time.perf_counter()
    rows = customer_summary_build(con=con, as_of=AS_OF, window_days=WINDOW_DAYS)
    out = {"build": time.perf_counter() - start, "rows": rows}
    con.execute("CHECKPOINT")
    con.close()
    return out


def child_duckdb(path: str) -> dict:
    """Time RFM (summary and facts), Pareto and tiers on the warehouse file, read-only."""
    import duckdb
    from django.conf import settings

    settings.configure()
    from dangol.analytics.rfm import (
        FACTS,
        SUMMARY,
        SUMMARY_ROWS,
        fetch_arrow,
        rfm_scores,
        rfm_source,
        rfm_sql,
    )
    from dangol.analytics.tiers import pareto, tier_summary, value_tiers

    out = {}
    params = {"as_of": AS_OF, "window_days": WINDOW_DAYS}
    con = duckdb.connect(path, read_only=True)
    assert rfm_source(con, AS_OF, WINDOW_DAYS) == SUMMARY
    # RFM as the product runs it for the refresh's date: from the summary.
    start, cpu = time.perf_counter(), time.process_time()
    table = rfm_scores(con=con, as_of=AS_OF, window_days=WINDOW_DAYS)
    out["rfm"] = time.perf_counter() - start
    # CPU of the process (DuckDB's threads included): on a loaded machine the wall time of
    # the first call is mostly the wait for a core.
    out["rfm_cpu"] = time.process_time() - cpu
    out["rfm_rows"] = table.num_rows
    # Again with the file's pages in memory (a server process answering repeatedly).
    warm = []
    for _ in range(3):
        start = time.perf_counter()
        rfm_scores(con=con, as_of=AS_OF, window_days=WINDOW_DAYS)
        warm.append(time.perf_counter() - start)
    out["rfm_warm"] = statistics.median(warm)
    # The same from the facts (any other date or window), and it must be the same table.
    start = time.perf_counter()
    facts = fetch_arrow(con, f"SELECT * FROM ({rfm_sql(FACTS)}) ORDER BY customer_id", params)
    out["rfm_facts"] = time.perf_counter() - start
    assert facts.equals(table), "RFM from the summary differs from RFM from the facts"
    # What the quintiles cost when they are not precomputed: NTILE over the 1M summary rows.
    ntile = f"""
        SELECT customer_id, recency_days, frequency, monetary,
               ntile(5) OVER (ORDER BY recency_days DESC, customer_id) AS r_score,
               ntile(5) OVER (ORDER BY frequency, customer_id) AS f_score,
               ntile(5) OVER (ORDER BY monetary, customer_id) AS m_score
        FROM ({SUMMARY_ROWS}) summary ORDER BY customer_id
    """
    start = time.perf_counter()
    again = fetch_arrow(con, ntile, params)
    out["rfm_summary_ntile"] = time.perf_counter() - start
    assert again.column("m_score").to_pylist() == table.column("m_score").to_pylist()
    out["rfm_check"] = sorted(table.column("segment").to_pylist()[:1000])[:3]
    start = time.perf_counter()
    result = pareto(con=con, as_of=AS_OF, window_days=WINDOW_DAYS)
    out["pareto"] = time.perf_counter() - start
    out["gini_revenue"] = result["gini_revenue"]
    start = time.perf_counter()
    tiers = value_tiers(con=con, as_of=AS_OF, window_days=WINDOW_DAYS)
    summary = tier_summary(con=con, as_of=AS_OF, window_days=WINDOW_DAYS)
    out["tiers"] = time.perf_counter() - start
    out["tier_rows"] = tiers.num_rows
    out["top_margin_share"] = summary[0]["margin_share"]
    con.close()
    return out


def _pandas_valid(parquet: str, columns: list[str]):
    import pandas as pd

    df = pd.read_parquet(parquet, columns=[*columns, "status", "order_date"])
    df = df[~df["status"].isin(["cancelled", "returned"])]
    start = pd.Timestamp(AS_OF - dt.timedelta(days=WINDOW_DAYS))
    dates = pd.to_datetime(df["order_date"])
    return df[(dates > start) & (dates <= pd.Timestamp(AS_OF))]


def child_pandas(parquet: str) -> dict:
    import numpy as np
    import pandas as pd
    from django.conf import settings

    settings.configure()
    from dangol.analytics.rfm import segment_for

    out = {}
    # RFM: group, rank-based quintiles (first-come ties, as NTILE by id), segment lookup.
    start = time.perf_counter()
    df = _pandas_valid(parquet, ["customer_id", "order_id", "revenue"])
    df = df.assign(order_date=pd.to_datetime(df["order_date"]), revenue=df["revenue"].astype(float))
    g = df.groupby("customer_id").agg(
        last=("order_date", "max"), frequency=("order_id", "nunique"), monetary=("revenue", "sum")
    )
    g["recency_days"] = (pd.Timestamp(AS_OF) - g["last"]).dt.days
    g = g.reset_index()
    labels = [1, 2, 3, 4, 5]
    g = g.sort_values("customer_id")
    g["r"] = pd.qcut((-g["recency_days"]).rank(method="first"), 5, labels=labels).astype(int)
    g["f"] = pd.qcut(g["frequency"].rank(method="first"), 5, labels=labels).astype(int)
    g["m"] = pd.qcut(g["monetary"].rank(method="first"), 5, labels=labels).astype(int)
    lookup = {(r, fm): segment_for(r, fm) for r in labels for fm in labels}
    keys = list(zip(g["r"], (g["f"] + g["m"]) // 2, strict=True))
    g["segment"] = [lookup[k] for k in keys]
    out["rfm"] = time.perf_counter() - start
    out["rfm_rows"] = len(g)
    # Pareto: per-customer sums, sorted cumulative shares, exact Gini.
    start = time.perf_counter()
    df = _pandas_valid(parquet, ["customer_id", "revenue", "margin"])
    c = df.groupby("customer_id")[["revenue", "margin"]].sum().astype(float)
    res = {}
    for col in ("revenue", "margin"):
        x = np.sort(c[col].to_numpy())
        n = len(x)
        cum = np.concatenate([[0.0], np.cumsum(x)])
        ks = np.floor(n * np.arange(101) / 100 + 0.5).astype(int)
        res[col + "_lorenz"] = cum[ks] / cum[-1]
        res["gini_" + col] = 2 * np.sum(np.arange(1, n + 1) * x) / (n * x.sum()) - (n + 1) / n
    out["pareto"] = time.perf_counter() - start
    out["gini_revenue"] = float(res["gini_revenue"])
    # Tiers: rank by margin, cut 20 / 50 / 30, shares per tier.
    start = time.perf_counter()
    df = _pandas_valid(parquet, ["customer_id", "revenue", "margin"])
    c = df.groupby("customer_id")[["revenue", "margin"]].sum().astype(float).reset_index()
    c = c.sort_values(["margin", "customer_id"], ascending=[False, True])
    n = len(c)
    rank = np.arange(1, n + 1)
    c["tier"] = np.where(
        rank <= np.floor(n * 0.2 + 0.5),
        "top",
        np.where(rank <= np.floor(n * 0.7 + 0.5), "middle", "bottom"),
    )
    summary = c.groupby("tier")[["revenue", "margin"]].sum() / c[["revenue", "margin"]].sum()
    out["tiers"] = time.perf_counter() - start
    out["top_margin_share"] = float(summary.loc["top", "margin"])
    return out


def child_writeback(customers: int) -> dict:
    """Migrate, create ``customers`` rows by SQL, then time two 1M-score write-backs."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangol.config.settings")
    django.setup()
    import numpy as np
    import pandas as pd
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from dangol.customers.models import CustomerScore
    from dangol.customers.score_services import customer_scores_bulk_write

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cols = (
            "id, created_at, updated_at, kind, name, email, phone, phone_digits, gender, region, "
            "city, acquisition_channel, status, consent_email, consent_sms, consent_phone, "
            "consent_post, custom_fields, version"
        )
        values = (
            "x, {now}, {now}, 'person', 'C' || x, '', '', '', '', '', '', '', 'customer', "
            "false, false, false, false, '{{}}', 1"
        )
        if connection.vendor == "postgresql":
            cur.execute(
                f"INSERT INTO customers_customer ({cols}) SELECT "
                + values.format(now="now()")
                + f" FROM generate_series(1, {customers}) AS x"
            )
        else:
            cur.execute(
                f"WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s "
                f"WHERE x < {customers}) INSERT INTO customers_customer ({cols}) SELECT "
                + values.format(now="datetime('now')")
                + " FROM s"
            )
    setup = time.perf_counter() - start
    rng = np.random.default_rng(7)
    tiers = np.array(["top", "middle", "bottom"])
    segments = np.array(["champions", "loyal", "new", "lost", "at_risk"])

    def frame():
        return pd.DataFrame(
            {
                "customer_id": np.arange(1, customers + 1),
                "value_tier": tiers[rng.integers(0, 3, customers)],
                "rfm_recency": rng.integers(1, 6, customers),
                "rfm_frequency": rng.integers(1, 6, customers),
                "rfm_monetary": rng.integers(1, 6, customers),
                "rfm_segment": segments[rng.integers(0, 5, customers)],
                "computed_at": timezone.now(),
            }
        )

    fields = [c for c in frame().columns if c != "customer_id"]
    out = {"vendor": connection.vendor, "setup_customers": setup}
    for label in ("insert", "update", "update2"):
        rows = frame()
        start = time.perf_counter()
        written = customer_scores_bulk_write(rows=rows, fields=fields, clear_others=True)
        out[label] = time.perf_counter() - start
        assert written == customers, written
    assert CustomerScore.objects.count() == customers
    return out


def run_child(args: list[str], env: dict | None = None) -> dict:
    proc = subprocess.run(  # noqa: S603 (this script with fixed arguments)
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    parser.add_argument("--lines", type=int, default=LINES)
    parser.add_argument("--postgres", help="URL of a PostgreSQL database this may empty.")
    parser.add_argument(
        "--data",
        type=Path,
        help="Keep the generated warehouse here and reuse it on later runs "
        "(default var/bench-rfm-<customers>-<lines>/).",
    )
    parser.add_argument("--skip-writeback", action="store_true")
    parser.add_argument("--writeback-only", action="store_true")
    args = parser.parse_args()
    if args.child:
        kind, arg = args.child
        result = {"duckdb": child_duckdb, "pandas": child_pandas, "summary": child_summary}.get(
            kind
        )
        out = result(arg) if result else child_writeback(int(arg))
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(out, default=str))
        return

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not args.writeback_only:
            analytics(args, folder)
        if not args.skip_writeback:
            writeback(args, folder)


def cached_data(args: argparse.Namespace) -> tuple[Path, Path]:
    """Return the warehouse file and Parquet copy, generating them on the first run only.

    Generating 10M lines takes minutes on the shared machine; the rows are hash-seeded, so
    a kept copy is the same data a fresh run would write.
    """
    folder = args.data or REPO_ROOT / "var" / f"bench-rfm-{args.customers}-{args.lines}"
    path, parquet = folder / "bench.duckdb", folder / "fact_sales.parquet"
    if path.exists() and parquet.exists():
        print(f"reusing {folder}", flush=True)
        return path, parquet
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".bench-rfm-"))
    start = time.perf_counter()
    generate(staging, customers=args.customers, lines=args.lines)
    print(f"generated {args.lines:,} lines in {time.perf_counter() - start:.1f} s", flush=True)
    staging.rename(folder)
    return path, parquet


def analytics(args: argparse.Namespace, folder: Path) -> None:
    """Reuse or generate the warehouse, then time DuckDB and pandas in alternating rounds."""
    path, parquet = cached_data(args)
    # What the warehouse refresh adds for this: one summary build (timed in its own process).
    built = run_child(["summary", str(path)])
    print(f"summary: {built['rows']:,} customers in {built['build']:.2f} s", flush=True)
    runs: dict[str, list[dict]] = {"duckdb": [], "pandas": []}
    for i in range(args.rounds):
        runs["duckdb"].append(run_child(["duckdb", str(path)]))
        runs["pandas"].append(run_child(["pandas", str(parquet)]))
        print(f"round {i + 1}: {runs['duckdb'][-1]} / {runs['pandas'][-1]}", flush=True)
    d, p = runs["duckdb"], runs["pandas"]
    assert abs(d[0]["gini_revenue"] - p[0]["gini_revenue"]) < 1e-9
    assert abs(d[0]["top_margin_share"] - p[0]["top_margin_share"]) < 1e-9
    assert d[0]["rfm_rows"] == p[0]["rfm_rows"]
    print("\n| task | pandas (cold, from Parquet) | DuckDB | speed-up |")
    print("|---|---|---|---|")
    tasks = (
        ("rfm", "rfm", "RFM + quintiles + segments, refresh's date (summary), first call"),
        ("rfm", "rfm_warm", "the same, median of 3 further calls in the process"),
        ("rfm", "rfm_facts", "RFM + quintiles + segments, other dates (facts)"),
        ("rfm", "rfm_summary_ntile", "RFM quintiles by NTILE over the summary rows"),
        ("pareto", "pareto", "Lorenz (101 points) + Gini, revenue and margin (summary)"),
        ("tiers", "tiers", "value tiers + tier shares (summary)"),
    )
    for ptask, dtask, name in tasks:
        pm = statistics.median(r[ptask] for r in p)
        dm = statistics.median(r[dtask] for r in d)
        runs_d = ", ".join(f"{r[dtask]:.3f}" for r in d)
        print(f"| {name} | {pm:.2f} s | {dm:.3f} s ({runs_d}) | {pm / dm:.1f}x |")
    print(
        f"| peak RSS of the process | {max(r['peak_rss_mb'] for r in p):.0f} MB "
        f"| {max(r['peak_rss_mb'] for r in d):.0f} MB | |"
    )
    cpu = ", ".join(f"{r['rfm_cpu']:.3f}" for r in d)
    median_cpu = statistics.median(r["rfm_cpu"] for r in d)
    print(f"RFM first call, CPU of the process: {median_cpu:.3f} s ({cpu})")
    print(f"rows scored: {d[0]['rfm_rows']:,}; Gini(revenue) {d[0]['gini_revenue']:.4f}")
    print(f"summary build (once per refresh): {built['build']:.2f} s; load {os.getloadavg()}")


def writeback(args: argparse.Namespace, folder: Path) -> None:
    """Time 1M-score write-backs on SQLite and (with --postgres) PostgreSQL."""
    results = []
    sqlite_dir = folder / "sqlite"
    sqlite_dir.mkdir()
    results.append(
        run_child(
            ["writeback", str(args.customers)],
            {"DANGOL_DATA_DIR": str(sqlite_dir), "DATABASE_URL": ""},
        )
    )
    if args.postgres:
        import psycopg

        with psycopg.connect(args.postgres, autocommit=True) as pg:
            pg.execute("DROP SCHEMA public CASCADE")
            pg.execute("CREATE SCHEMA public")
        results.append(
            run_child(
                ["writeback", str(args.customers)],
                {"DANGOL_DATA_DIR": str(sqlite_dir), "DATABASE_URL": args.postgres},
            )
        )
    print("\n| database | first write (inserts) | rewrite (updates), 2 runs | peak RSS |")
    print("|---|---|---|---|")
    for r in results:
        print(
            f"| {r['vendor']} | {r['insert']:.1f} s | {r['update']:.1f} s, "
            f"{r['update2']:.1f} s | {r['peak_rss_mb']:.0f} MB |"
        )


if __name__ == "__main__":
    main()
