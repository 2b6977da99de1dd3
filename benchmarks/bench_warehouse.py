"""Time ``warehouse_refresh`` (full and incremental) against pandas ``read_sql`` extraction.

Usage (from the repository root, against an existing demo database)::

    DANGOL_DATA_DIR=/path/to/scratch [DATABASE_URL=postgres://...] \\
        .venv/bin/python benchmarks/bench_warehouse.py [--runs 3] [--json out.json]

Each run does, in this order: a full refresh, an incremental refresh with no source change,
and the baseline: ``pandas.read_sql`` of the same extraction queries (rows into DataFrames
only: no load into DuckDB, no transform), on the same connection. Figures are medians of
the runs; the ratio compares the full refresh with the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangol.config.settings")


def _baseline_read_sql() -> dict[str, float]:
    """Read the full refresh's source queries with pandas.read_sql; return seconds/query."""
    import pandas as pd
    from django.db import connection

    from dangol.analytics.warehouse.extract import _render
    from dangol.analytics.warehouse.services import FULL_SOURCES

    connection.ensure_connection()
    timings = {}
    for query in FULL_SOURCES:
        sql, _ = _render(query, vendor=connection.vendor, since=None)
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas warns about non-SQLAlchemy DBAPI objects
            frame = pd.read_sql(sql, connection.connection)
        timings[query.name] = time.perf_counter() - started
        del frame
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None, help="write raw figures here")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from dangol.analytics.warehouse.services import warehouse_refresh

    runs = []
    for number in range(args.runs):
        started = time.perf_counter()
        full = warehouse_refresh(full=True)
        full_s = time.perf_counter() - started
        started = time.perf_counter()
        incremental = warehouse_refresh()
        incr_s = time.perf_counter() - started
        baseline = _baseline_read_sql()
        run = {
            "full_s": full_s,
            "full_extract_s": sum(v for k, v in full.timings.items() if k.startswith("extract")),
            "full_timings": full.timings,
            "incremental_s": incr_s,
            "incremental_timings": incremental.timings,
            "baseline_read_sql_s": sum(baseline.values()),
            "baseline_timings": baseline,
            "rows": full.rows,
            "file_mb": full.path.stat().st_size / 1e6 if full.path.exists() else None,
        }
        runs.append(run)
        print(
            f"run {number + 1}: full {full_s:.1f} s (extract {run['full_extract_s']:.1f} s), "
            f"incremental {incr_s:.1f} s, pandas read_sql {run['baseline_read_sql_s']:.1f} s",
            flush=True,
        )

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    summary = {
        "vendor": connection.vendor,
        "runs": args.runs,
        "rows": runs[-1]["rows"],
        "full_s": med("full_s"),
        "full_extract_s": med("full_extract_s"),
        "incremental_s": med("incremental_s"),
        "baseline_read_sql_s": med("baseline_read_sql_s"),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "file_mb": runs[-1]["file_mb"],
        "load_average": os.getloadavg(),
        "per_run": runs,
    }
    print(
        f"| {summary['vendor']} | {summary['rows']['fact_sales']:,} | "
        f"{summary['rows']['dim_customer']:,} | {summary['full_s']:.1f} s | "
        f"{summary['full_extract_s']:.1f} s | {summary['incremental_s']:.1f} s | "
        f"{summary['baseline_read_sql_s']:.1f} s | "
        f"{summary['baseline_read_sql_s'] / summary['full_s']:.1f}x |"
    )
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, default=str))


if __name__ == "__main__":
    main()
