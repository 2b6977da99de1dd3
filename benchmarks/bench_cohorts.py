"""Time the cohort matrix and share of wallet on DuckDB against straightforward pandas.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_cohorts.py [--customers 1000000] [--lines 10000000] \\
        [--budgets 200000] [--runs 3] [--path var/bench-cohorts.duckdb] [--reuse] \\
        [--json out.json]

It writes the seeded synthetic warehouse of ``bench_olap.py`` (same contract schema, three
years of sales, 3 % cancelled), plus ``--budgets`` synthetic (customer, level-1 category)
budgets, then times:

- ``cohort_matrix`` (DuckDB, on the warehouse file) against pandas on DataFrames already in
  memory (the valid lines' customer, date and revenue; loading them is not timed);
- ``share_of_wallet_report`` (summary and every ranked pair) against pandas (merge the budgets with
  the customer x category revenue of the last 12 months).

Figures are medians of ``--runs``; both answers are checked equal before reporting.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangol.config.settings")

AS_OF = "2025-12-31"


CPU = {}


def _median(fn, runs: int) -> tuple[float, object]:
    """Return the median wall time of ``runs`` calls and the last result.

    The median CPU time of the process (all threads) is kept in ``CPU[fn.__name__]``: on a
    shared machine it moves less than wall time with the other processes' load.
    """
    times, cpu, result = [], [], None
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    CPU[fn.__name__] = statistics.median(cpu)
    return statistics.median(times), result


def pandas_cohorts(sales):
    """Return {(cohort, month): (customers, revenue)} the way an analyst would in pandas."""
    dates = sales["order_date"].dt
    months = dates.year * 12 + dates.month - 1
    first = months.groupby(sales["customer_id"]).transform("min")
    frame = sales.assign(cohort=first, month=months - first)
    grouped = frame.groupby(["cohort", "month"]).agg(
        customers=("customer_id", "nunique"), revenue=("revenue", "sum")
    )
    return {
        (f"{c // 12:04d}-{c % 12 + 1:02d}", int(m)): (int(n), round(float(r), 2))
        for (c, m), (n, r) in grouped.iterrows()
    }


def pandas_wallet(sales, products, budgets, as_of):
    """Return per (customer, category): our revenue, share, gap; biggest gap first."""
    import pandas as pd

    start = as_of - pd.DateOffset(months=12)
    recent = sales[(sales["order_date"] > start) & (sales["order_date"] <= as_of)]
    recent = recent.merge(products[["product_id", "category_l1"]], on="product_id")
    revenue = recent.groupby(["customer_id", "category_l1"], as_index=False)["revenue"].sum()
    out = budgets.merge(
        revenue,
        how="left",
        left_on=["customer_id", "category_path"],
        right_on=["customer_id", "category_l1"],
    )
    out["revenue"] = out["revenue"].fillna(0.0)
    out["share"] = out["revenue"] / out["annual_budget"]
    out["gap"] = out["annual_budget"] - out["revenue"]
    return out.sort_values(["gap", "customer_id"], ascending=[False, True])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--budgets", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--path", type=Path, default=Path("var/bench-cohorts.duckdb"))
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--reuse", action="store_true", help="Keep an existing --path file instead of rebuilding."
    )
    args = parser.parse_args()

    import django

    django.setup()
    import datetime as dt

    import duckdb
    import pandas as pd
    import pyarrow as pa
    from bench_olap import build

    from dangol.analytics.cohorts import cohort_matrix
    from dangol.analytics.wallet import share_of_wallet_report

    args.path.parent.mkdir(parents=True, exist_ok=True)
    reused = args.reuse and args.path.exists()
    built = 0.0 if reused else build(args.path, args.customers, args.lines)
    as_of = dt.date.fromisoformat(AS_OF)
    con = duckdb.connect(str(args.path), read_only=True)
    # Budgets for every k-th customer, two level-1 categories each ('c0'..'c9').
    budgets = con.execute(
        """SELECT c AS customer_id, k AS category_id, 'c' || k AS category_path,
                  CAST(100000 + hash(c, k) % 20000000 AS DECIMAL(14,2)) AS annual_budget
           FROM (SELECT (i // 2) * $step + 1 AS c, (hash(i // 2) + i % 2) % 10 AS k
                 FROM range(0, $n) t(i))""",
        {"step": max(1, 2 * args.customers // args.budgets), "n": args.budgets},
    ).to_arrow_table()
    budgets = budgets.cast(
        pa.schema(
            [
                ("customer_id", pa.int64()),
                ("category_id", pa.int64()),
                ("category_path", pa.string()),
                ("annual_budget", pa.decimal128(14, 2)),
            ]
        )
    )

    def duck_cohorts_fn():
        return cohort_matrix(con=con, as_of=as_of)

    duck_cohorts, cells = _median(duck_cohorts_fn, args.runs)

    def duck_wallet():
        report = share_of_wallet_report(con=con, budgets=budgets, as_of=as_of, top=None)
        return report, report["rows"]

    duck_wallet_s, (summary, pairs) = _median(duck_wallet, args.runs)

    sales = con.execute(
        "SELECT customer_id, product_id, order_date::TIMESTAMP AS order_date, "
        "revenue::DOUBLE AS revenue FROM fact_sales_valid WHERE order_date <= $as_of",
        {"as_of": as_of},
    ).df()
    products = con.execute("SELECT product_id, category_l1 FROM dim_product").df()
    budget_frame = budgets.to_pandas()
    budget_frame["annual_budget"] = budget_frame["annual_budget"].astype(float)
    con.close()

    def pandas_cohorts_fn():
        return pandas_cohorts(sales)

    def pandas_wallet_fn():
        return pandas_wallet(sales, products, budget_frame, pd.Timestamp(as_of))

    pandas_cohorts_s, expected = _median(pandas_cohorts_fn, args.runs)
    pandas_wallet_s, expected_pairs = _median(pandas_wallet_fn, args.runs)

    got = {
        (r["cohort"], r["month"]): (r["customers"], round(float(r["revenue"]), 2))
        for r in cells.to_pylist()
        if r["customers"]
    }
    assert got == expected, "cohort answers differ"
    mine = pairs.to_pandas()
    assert len(mine) == len(expected_pairs)
    assert [round(float(x), 2) for x in mine["revenue"]] == [
        round(x, 2) for x in expected_pairs["revenue"]
    ], "wallet answers differ"
    assert summary["totals"]["revenue"] == Decimal(str(round(expected_pairs["revenue"].sum(), 2)))

    result = {
        "customers": args.customers,
        "lines": args.lines,
        "budgets": budgets.num_rows,
        "build_s": round(built, 1),
        "cohort_cells": cells.num_rows,
        "cohorts_duckdb_s": round(duck_cohorts, 3),
        "cohorts_pandas_s": round(pandas_cohorts_s, 3),
        "cohorts_ratio": round(pandas_cohorts_s / duck_cohorts, 1),
        "wallet_duckdb_s": round(duck_wallet_s, 3),
        "wallet_pandas_s": round(pandas_wallet_s, 3),
        "wallet_ratio": round(pandas_wallet_s / duck_wallet_s, 1),
        "cpu_s": {name: round(value, 3) for name, value in CPU.items()},
        "load_average": os.getloadavg()[0],
    }
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
