"""Benchmark: the in-app CLV path on the warehouse (summary, holdout validation, fit, scores).

Data: the synthetic warehouse of ``bench_rfm.py`` (1,000,000 customers, 10,000,000 order
lines over 2023-2025, seeded by hashing). Each round runs two fresh subprocesses, alternating
so both see the same machine load:

- ``dangol``: ``clv_summary_warehouse`` (one DuckDB query over ``fact_sales_valid``),
  ``clv_validate`` (26-week holdout: calibration summary, BG/NBD fit, holdout counts,
  tracking and conditional expectation), the production BG/NBD + Gamma-Gamma fit and the
  scores (P(alive), expected purchases, value, 52-week CLV);
- ``pandas``: the same summary the straightforward way from a Parquet copy of the sales
  (filter, group by customer and day, then by customer), as a script would do it.

The write-back of a million scores is measured by ``bench_rfm.py``. Medians of the rounds.

    .venv/bin/python benchmarks/bench_clv_app.py [--rounds 3] [--customers N --lines N]
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
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

END = dt.date(2025, 12, 31)
HOLDOUT_WEEKS = 26


def child_dangol(path: str) -> dict:
    import duckdb
    from django.conf import settings

    settings.configure()
    import numpy as np

    from dangol.analytics.clv.bgnbd import BetaGeo
    from dangol.analytics.clv.gamma_gamma import GammaGamma
    from dangol.analytics.clv.value import clv_scores
    from dangol.analytics.clv.warehouse import clv_summary_warehouse, clv_validate

    out: dict = {}
    con = duckdb.connect(path, read_only=True)
    start = time.perf_counter()
    validation = clv_validate(
        con=con,
        calibration_end=END - dt.timedelta(weeks=HOLDOUT_WEEKS),
        holdout_end=END,
    )
    out["validation"] = time.perf_counter() - start
    out["holdout_error_pct"] = validation.metrics["holdout_total_error_pct"]
    start = time.perf_counter()
    summary = clv_summary_warehouse(con=con, until=END)
    out["summary"] = time.perf_counter() - start
    con.close()
    out["customers"] = len(summary)
    x, t, big_t, m = (summary[c] for c in ("frequency", "recency", "T", "monetary"))
    start = time.perf_counter()
    bgnbd = BetaGeo().fit(x, t, big_t)
    gamma_gamma = GammaGamma().fit(np.where(m > 0, x, 0), m)
    out["fit"] = time.perf_counter() - start
    start = time.perf_counter()
    scores = clv_scores(
        bgnbd=bgnbd,
        gamma_gamma=gamma_gamma,
        frequency=x,
        recency=t,
        T=big_t,
        monetary=m,
        horizon=52,
        discount_rate=(1.1 ** (1 / 52)) - 1,
    )
    out["score"] = time.perf_counter() - start
    out["mean_clv"] = float(np.mean(scores.clv))
    out["check"] = [int(summary["frequency"].sum()), round(float(summary["monetary"].sum()), 2)]
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def child_pandas(parquet: str) -> dict:
    import pandas as pd

    out: dict = {}
    start = time.perf_counter()
    df = pd.read_parquet(parquet, columns=["customer_id", "order_date", "status", "revenue"])
    df = df[~df["status"].isin(["cancelled", "returned"])]
    df = df[df["order_date"] <= pd.Timestamp(END)]
    df["revenue"] = df["revenue"].astype("float64")
    days = df.groupby(["customer_id", "order_date"], as_index=False)["revenue"].sum()
    days = days.sort_values(["customer_id", "order_date"])
    first = days.groupby("customer_id")["order_date"].transform("min")
    repeat = days[days["order_date"] > first]
    per = days.groupby("customer_id").agg(
        first=("order_date", "min"), last=("order_date", "max"), n=("order_date", "size")
    )
    per["frequency"] = per["n"] - 1
    per["recency"] = (per["last"] - per["first"]).dt.days / 7
    per["T"] = (pd.Timestamp(END) - per["first"]).dt.days / 7
    per["monetary"] = repeat.groupby("customer_id")["revenue"].mean().reindex(per.index)
    per["monetary"] = per["monetary"].fillna(0.0)
    out["summary"] = time.perf_counter() - start
    out["customers"] = len(per)
    out["check"] = [int(per["frequency"].sum()), round(float(per["monetary"].sum()), 2)]
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def run_child(args: list[str]) -> dict:
    proc = subprocess.run(  # noqa: S603 (this script with fixed arguments)
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    args = parser.parse_args()
    if args.child:
        kind, path = args.child
        result = child_dangol(path) if kind == "dangol" else child_pandas(path)
        print(json.dumps(result))
        return

    from bench_rfm import generate

    with tempfile.TemporaryDirectory(prefix="bench-clv-app-") as tmp:
        start = time.perf_counter()
        path, parquet = generate(Path(tmp), customers=args.customers, lines=args.lines)
        print(f"generated {args.customers:,} customers, {args.lines:,} lines in "
              f"{time.perf_counter() - start:.1f} s", flush=True)  # fmt: skip
        runs: dict[str, list[dict]] = {"dangol": [], "pandas": []}
        for i in range(args.rounds):
            for kind, source in (("dangol", path), ("pandas", parquet)):
                result = run_child([kind, str(source)])
                runs[kind].append(result)
                print(f"round {i + 1} {kind}: {json.dumps(result)}", flush=True)
        if runs["dangol"][0]["check"] != runs["pandas"][0]["check"]:
            print("SUMMARIES DIFFER", runs["dangol"][0]["check"], runs["pandas"][0]["check"])

        def median(kind: str, key: str) -> float:
            return statistics.median(r[key] for r in runs[kind])

        summary_ratio = median("pandas", "summary") / median("dangol", "summary")
        print(f"summary: DuckDB {median('dangol', 'summary'):.2f} s, pandas "
              f"{median('pandas', 'summary'):.2f} s ({summary_ratio:.1f}x)")  # fmt: skip
        for key in ("validation", "fit", "score", "peak_mb"):
            print(f"dangol {key}: {median('dangol', key):.2f}")
        print(f"pandas peak_mb: {median('pandas', 'peak_mb'):.0f}")
        print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
