"""Time the typical OLAP query from the rollups against a raw fact scan and pandas.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_olap.py [--customers 1000000] [--lines 10000000] \\
        [--runs 5] [--path /scratch/olap.duckdb] [--json out.json]

It writes a seeded synthetic warehouse with the contract schema (deterministic: values come
from hashes of row numbers, not a random generator), times ``olap_rollups_build`` once,
then times "revenue and distinct customers by region x month x customer group":

- ``rollup``: ``olap_query_run`` with the rollups (what the API, CLI and pivot page do);
- ``fact``: the same query with the rollups switched off (a DuckDB scan of the facts);
- ``pandas``: the same aggregation on DataFrames already in memory (load not timed).

- ``rollup_opened``: the same, opening the warehouse file read-only per call, as the API,
  CLI and pivot page do.

Then other common shapes (tier x quarter, category x month, channel x month, gender x age
band, segment x year, day x channel, top-N with the previous quarter), each from the
rollups and from the facts. Figures are medians of ``--runs``; ratios compare with the
rollup answer of the same run. Every rollup answer is checked equal to the fact answer
(distinct customers included) before anything is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangol.config.settings")

REGIONS = [
    "seoul",
    "busan",
    "daegu",
    "incheon",
    "gwangju",
    "daejeon",
    "ulsan",
    "sejong",
    "gyeonggi",
    "gangwon",
    "chungbuk",
    "chungnam",
    "jeonbuk",
    "jeonnam",
    "gyeongbuk",
    "gyeongnam",
    "jeju",
]
GROUPS = ["retail", "wholesale", "vip", "online", "partner"]
SEGMENTS = [
    "champions",
    "loyal",
    "potential",
    "new",
    "promising",
    "attention",
    "sleep",
    "at_risk",
    "cant_lose",
    "lost",
]


def _pick(values: list[str], expr: str) -> str:
    """Return SQL picking one of ``values`` (fixed literals) by a hash expression."""
    listed = ", ".join(f"'{v}'" for v in values)
    return f"[{listed}][CAST(1 + ({expr}) % {len(values)} AS BIGINT)]"


def build(path: Path, customers: int, lines: int) -> float:
    import duckdb

    from dangol.analytics.warehouse import schema

    if path.exists():
        path.unlink()
    started = time.perf_counter()
    con = duckdb.connect(str(path))
    schema.schema_create(con=con)
    con.execute(f"""
        INSERT INTO dim_customer
        SELECT i, 'person', {_pick(["F", "M", ""], "hash(i, 1)")}, NULL,
               {_pick(list(schema.AGE_BANDS), "hash(i, 2)")},
               {_pick(REGIONS, "hash(i, 3)")}, '', {_pick(GROUPS, "hash(i, 4)")}, 'web',
               'active', NULL, TIMESTAMP '2023-01-01', NULL,
               {_pick(["gold", "silver", "bronze", ""], "hash(i, 5)")},
               {_pick(SEGMENTS, "hash(i, 6)")}
        FROM range(1, {customers} + 1) t(i)""")
    con.execute("""
        INSERT INTO dim_product
        SELECT i, 'SKU' || i, 'Product ' || i, 'c' || (i % 10) || ' > s' || (i % 50),
               'c' || (i % 10), 's' || (i % 50), '', 1000 + (i % 90) * 500, 600 + (i % 90) * 300,
               TRUE
        FROM range(1, 2001) t(i)""")
    # About 2.5 lines per order; an order's customer, day and channel come from its id.
    con.execute(f"""
        INSERT INTO fact_sales
        SELECT l, o, 'O' || o, c, p, d + INTERVAL 12 HOUR, d, ch, st, q, pr, q * pr, 0,
               q * pr, q * cost, q * pr - q * cost
        FROM (
            SELECT i AS l, i * 2 // 5 AS o,
                   CAST(1 + hash(i * 2 // 5, 7) % {customers} AS BIGINT) AS c,
                   CAST(1 + hash(i, 8) % 2000 AS BIGINT) AS p,
                   DATE '2023-01-01' + CAST(hash(i * 2 // 5, 9) % 1095 AS INTEGER) AS d,
                   {_pick(["online", "store", "phone", "app"], "hash(i * 2 // 5, 10)")} AS ch,
                   CASE WHEN hash(i * 2 // 5, 11) % 100 < 3 THEN 'cancelled'
                        ELSE 'delivered' END AS st,
                   CAST(1 + hash(i, 12) % 4 AS INTEGER) AS q,
                   CAST(1000 + CAST((1 + hash(i, 8) % 2000) % 90 AS INTEGER) * 500
                        AS DECIMAL(14,2)) AS pr,
                   CAST(600 + CAST((1 + hash(i, 8) % 2000) % 90 AS INTEGER) * 300
                        AS DECIMAL(14,2)) AS cost
            FROM range(1, {lines} + 1) t(i)
        )""")
    schema.dim_date_fill(con=con)
    con.execute("CHECKPOINT")
    con.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", type=Path, default=Path("var/bench-olap.duckdb"))
    parser.add_argument(
        "--reuse", action="store_true", help="Keep an existing file's facts; rebuild rollups."
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import django

    django.setup()
    import duckdb

    from dangol.analytics.olap.model import olap_query_parse
    from dangol.analytics.olap.rollups import olap_rollups_available, olap_rollups_build
    from dangol.analytics.olap.selectors import olap_query_run

    report: dict = {"customers": args.customers, "lines": args.lines, "runs": args.runs}
    args.path.parent.mkdir(parents=True, exist_ok=True)
    if not (args.reuse and args.path.exists()):
        report["generate_s"] = round(build(args.path, args.customers, args.lines), 2)
    con = duckdb.connect(str(args.path))
    con.execute("SET enable_progress_bar = false")
    started, cpu = time.perf_counter(), time.process_time()
    timings = olap_rollups_build(con)
    report["rollups_build_s"] = round(time.perf_counter() - started, 2)
    report["rollups_build_cpu_s"] = round(time.process_time() - cpu, 2)
    report["rollups_build_each_s"] = {k: round(v, 2) for k, v in timings.items()}
    report["load_average_build"] = os.getloadavg()
    con.execute("CHECKPOINT")
    con.close()
    con = duckdb.connect(str(args.path), read_only=True)
    con.execute("SET enable_progress_bar = false")
    report["rollup_rows"] = {r.name: n for r, n in olap_rollups_available(con)}
    query = olap_query_parse(
        measures=["revenue", "customers"], by=["region", "month", "customer_group"]
    )

    def pandas_frames():
        sales = con.execute("SELECT customer_id, order_date, revenue FROM fact_sales_valid").df()
        sales["revenue"] = sales["revenue"].astype("float64")
        customers = con.execute("SELECT customer_id, region, customer_group FROM dim_customer").df()
        return sales, customers

    def pandas_query(sales, customers):
        frame = sales.merge(customers, on="customer_id", how="left")
        frame["month"] = frame["order_date"].dt.strftime("%Y-%m")
        return (
            frame.groupby(["region", "month", "customer_group"], sort=True)
            .agg(revenue=("revenue", "sum"), customers=("customer_id", "nunique"))
            .reset_index()
        )

    def opened(**kwargs):
        """What the API, CLI and page do: open the file read-only, query, close."""
        own = duckdb.connect(str(args.path), read_only=True)
        try:
            return olap_query_run(con=own, **kwargs)
        finally:
            own.close()

    sales, customers = pandas_frames()
    times: dict[str, list[float]] = {"rollup": [], "rollup_opened": [], "fact": [], "pandas": []}
    answers = {}
    for _run in range(args.runs):
        started = time.perf_counter()
        answers["rollup"] = olap_query_run(query=query, con=con)
        times["rollup"].append(time.perf_counter() - started)
        started = time.perf_counter()
        opened(query=query)
        times["rollup_opened"].append(time.perf_counter() - started)
        started = time.perf_counter()
        answers["fact"] = olap_query_run(query=query, con=con, use_rollups=False)
        times["fact"].append(time.perf_counter() - started)
        started = time.perf_counter()
        answers["pandas"] = pandas_query(sales, customers)
        times["pandas"].append(time.perf_counter() - started)
    assert answers["rollup"].rows == answers["fact"].rows, "rollup and fact answers differ"
    frame = answers["pandas"]
    assert len(frame) == len(answers["fact"].rows)
    assert [int(c) for c in frame["customers"]] == [r[4] for r in answers["fact"].rows]
    # Distinct customers stay exact: the per-group counts add up to more than the
    # customers of the whole period (a customer in several months counts in each).
    total = olap_query_run(query=olap_query_parse(measures=["customers"]), con=con)
    report["customers_all_time"] = total.rows[0][0]
    report["customers_summed_over_groups"] = sum(r[4] for r in answers["rollup"].rows)
    report["groups"] = len(frame)
    report["sources"] = answers["rollup"].sources
    medians = {k: statistics.median(v) for k, v in times.items()}
    report["median_s"] = {k: round(v, 4) for k, v in medians.items()}
    report["ratio_vs_rollup"] = {k: round(v / medians["rollup"], 1) for k, v in medians.items()}
    report["shapes"] = shapes(con, args.runs, olap_query_parse, olap_query_run)
    report["load_average_queries"] = os.getloadavg()
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


# Other common shapes: each answered from the rollups and from the facts, checked equal.
SHAPES = {
    "customers and AOV by value tier x quarter": {
        "measures": ["customers", "aov"],
        "by": ["value_tier", "quarter"],
    },
    "revenue and orders by category x month": {
        "measures": ["revenue", "orders"],
        "by": ["category_l1", "month"],
    },
    "customers by channel x month": {"measures": ["customers"], "by": ["channel", "month"]},
    "customers by gender x age band, all time": {
        "measures": ["customers", "revenue"],
        "by": ["gender", "age_band"],
    },
    "revenue by RFM segment x year": {
        "measures": ["revenue", "margin"],
        "by": ["rfm_segment", "year"],
    },
    "revenue by day x channel (one month)": {
        "measures": ["revenue", "orders", "customers"],
        "by": ["day", "channel"],
        "date_from": "2025-03-01",
        "date_to": "2025-03-31",
    },
    "top 10 region x group, vs previous quarter": {
        "measures": ["revenue"],
        "by": ["region", "customer_group"],
        "date_from": "2025-04-01",
        "date_to": "2025-06-30",
        "compare_previous": True,
        "top_n": 10,
    },
}


def shapes(con, runs: int, parse, run) -> dict:
    import datetime as dt

    out = {}
    for name, spec in SHAPES.items():
        spec = dict(spec)
        for key in ("date_from", "date_to"):
            if key in spec:
                spec[key] = dt.date.fromisoformat(spec[key])
        query = parse(**spec)
        rollup, fact = [], []
        for _ in range(runs):
            started = time.perf_counter()
            a = run(query=query, con=con)
            rollup.append(time.perf_counter() - started)
            started = time.perf_counter()
            b = run(query=query, con=con, use_rollups=False)
            fact.append(time.perf_counter() - started)
        assert a.rows == b.rows, f"{name}: rollup and fact answers differ"
        r, f = statistics.median(rollup), statistics.median(fact)
        out[name] = {
            "rollup_s": round(r, 4),
            "fact_s": round(f, 4),
            "ratio": round(f / r, 1),
            "sources": a.sources,
            "rows": len(a.rows),
        }
    return out


if __name__ == "__main__":
    main()
