"""Time every web-analytics report over 10,000,000 events against a same-run baseline.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_webanalytics_reports.py [--events 10000000] \\
        [--days 90] [--runs 5] [--path var/bench/webanalytics-10000000.duckdb] [--reload] \\
        [--json out.json]

The store is generated once by ``dangol.webanalytics.synthetic`` (set-based in DuckDB,
seeded by hashes: the same every time) with its daily rollups, and kept. Each report is
asked for the last 45 days against the 45 before: the two periods cover all 90 days, so
every report reads every event (through the rollups). Per report, after one warm-up:

- ``report``: ``report_run`` as the page, CSV and API call it: opening the file
  read-only, validating, computing, closing (median of ``--runs``);
- ``baseline``: the same figures without the rollups: the rollups' definitions run over
  the raw tables (``web_event``, ``web_visit``); for the visitors report, over visits
  sessionized on the fly from ``web_event`` (30 minutes of inactivity); for the funnel,
  pandas on the period's page views (loading them included).

Rollup answers are checked equal to the raw-table answers before anything is reported.
It also times the customer-id fetch of the segment rule "visited page" (prefix, 30 days),
the full rollup build and an incremental refresh after a 10,000-event batch (on a copy of
the store). Load averages are printed: the machine is shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangol.config.settings")

END = dt.date(2026, 11, 1)
QUERY = {"date_from": "2026-09-17", "date_to": "2026-10-31"}
EXTRA = {"funnel": {"steps": "/cart,/checkout,/checkout/done"}}

SESSIONIZED_VISITS = """
CREATE OR REPLACE TEMP VIEW web_visit AS
WITH marked AS (
    SELECT *, CASE WHEN ts - lag(ts) OVER (PARTITION BY visitor_id ORDER BY ts, event_id)
                        <= INTERVAL 30 MINUTE THEN 0 ELSE 1 END AS starts
    FROM main.web_event
), numbered AS (
    SELECT *, sum(starts) OVER (PARTITION BY visitor_id ORDER BY ts, event_id) AS n
    FROM marked
)
SELECT visitor_id, n, max(customer_id) AS customer_id, min(ts) AS started_at,
       count(*) FILTER (WHERE kind = 'pageview') AS pageviews,
       count(*) FILTER (WHERE kind = 'goal') AS goals
FROM numbered
GROUP BY visitor_id, n
"""


CPU: list[float] = []  # CPU seconds (all threads of this process) of the last _median


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _median(fn, runs: int) -> tuple[float, object]:
    """Return the median wall time of ``runs`` calls after a warm-up, and the last result.

    The median CPU time (user + system, every DuckDB thread) goes to ``CPU[-1]``: on a
    shared machine it moves less with the load than the wall time.
    """
    result = fn()  # warm-up
    times, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), _cpu()
        result = fn()
        times.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    CPU.append(statistics.median(cpus))
    return statistics.median(times), result


def _pandas_funnel(con, steps: list[str]) -> list[int]:
    """Return visits reaching each step, computed in pandas from the period's page views."""
    frame = con.execute(
        "SELECT visit_id, ts, path FROM web_event WHERE kind = 'pageview' AND ts >= $s AND ts < $e",
        {"s": dt.datetime(2026, 8, 3), "e": dt.datetime.combine(END, dt.time())},
    ).df()
    reached = None
    counts = []
    for step in steps:
        hits = frame[frame["path"] == step]
        if reached is not None:
            hits = hits.merge(reached, on="visit_id")
            hits = hits[hits["ts"] > hits["t"]]
        reached = hits.groupby("visit_id", as_index=False)["ts"].min().rename(columns={"ts": "t"})
        counts.append(len(reached))
    return counts


def _segment_join(ids: list[int], runs: int) -> dict:
    """Time the customer side of "visited page" at 1,000,000 customers (SQLite, in memory).

    The rule joins the fetched ids as one JSON parameter: ``id IN (SELECT value FROM
    json_each(?))``; its negation likewise. Baseline: one ``?`` per id, in chunks of
    30,000 (SQLite's variable limit is 32,766).
    """
    import json
    import sqlite3

    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, region TEXT)")
    db.execute(
        "INSERT INTO customer SELECT value, 'seoul' FROM generate_series(1, 1000000)"
        if sqlite3.sqlite_version_info >= (3, 45)
        else "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) "
        "INSERT INTO customer SELECT i, 'seoul' FROM n"
    )
    payload = json.dumps(ids)
    one = "SELECT count(*) FROM customer WHERE id IN (SELECT value FROM json_each(?))"
    neg = "SELECT count(*) FROM customer WHERE NOT id IN (SELECT value FROM json_each(?))"
    within, got = _median(lambda: db.execute(one, [payload]).fetchone()[0], runs)
    outside, got_not = _median(lambda: db.execute(neg, [payload]).fetchone()[0], runs)

    def chunked() -> int:
        total = 0
        for i in range(0, len(ids), 30000):
            part = ids[i : i + 30000]
            marks = ",".join("?" * len(part))
            total += db.execute(
                f"SELECT count(*) FROM customer WHERE id IN ({marks})", part
            ).fetchone()[0]
        return total

    naive, got_naive = _median(chunked, runs)
    assert got == got_naive == len(ids) and got_not == 1_000_000 - len(ids)
    print(
        f"visited_page join at 1,000,000 customers (SQLite): within {within:.3f} s, "
        f"NOT {outside:.3f} s; a parameter per id {naive:.3f} s"
    )
    return {"within_s": round(within, 3), "not_s": round(outside, 3), "per_id_s": round(naive, 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", type=Path)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--only", nargs="*", help="report slugs to time (default: all)")
    parser.add_argument("--skip-rollups", action="store_true", help="skip the rollup timings")
    args = parser.parse_args()

    import django

    django.setup()
    import duckdb

    from dangol.webanalytics import store as web_store
    from dangol.webanalytics.reports import REPORTS, _base, report_parse, report_run
    from dangol.webanalytics.rollups import webanalytics_rollup_refresh
    from dangol.webanalytics.synthetic import webanalytics_synthetic_generate

    bench_dir = Path(os.environ.get("DANGOL_BENCH_DIR", ROOT / "var" / "bench"))
    path = args.path or bench_dir / f"webanalytics-{args.events}.duckdb"
    out: dict = {"events_requested": args.events, "load_before": os.getloadavg()}
    if args.reload or not path.exists():
        path.unlink(missing_ok=True)
        start = time.perf_counter()
        counts = webanalytics_synthetic_generate(
            path=path, events=args.events, days=args.days, end=END
        )
        out["generate_s"] = round(time.perf_counter() - start, 1)
        print(f"generated {counts} in {out['generate_s']} s", flush=True)
    # The reports read the benchmark store (through the store's retrying reader).
    web_store.web_store_path = lambda: path
    _base.store_path = lambda: path

    con = duckdb.connect(str(path), read_only=True)
    out["events"], out["visits"] = (
        con.execute("SELECT count(*) FROM web_event").fetchone()[0],
        con.execute("SELECT count(*) FROM web_visit").fetchone()[0],
    )
    print(f"{out['events']:,} events, {out['visits']:,} visits; load {os.getloadavg()}")
    baseline_con = duckdb.connect(str(path), read_only=True)
    session_con = duckdb.connect(str(path), read_only=True)
    session_con.execute(SESSIONIZED_VISITS)
    today = END - dt.timedelta(days=1)
    rows = []
    print(
        f"{'report':14s} {'report s':>9s} {'cpu s':>8s} {'baseline s':>11s} {'cpu s':>9s} "
        f"{'ratio':>7s}  load  baseline"
    )
    for slug, spec in REPORTS.items():
        if args.only and slug not in args.only:
            continue
        data = {**QUERY, **EXTRA.get(slug, {})}
        kwargs = report_parse(slug=slug, data=data, today=today)

        def report(slug=slug, data=data):
            return report_run(slug=slug, data=data, today=today)

        median, result = _median(report, args.runs)
        report_cpu = CPU[-1]
        if slug == "funnel":
            kind = "pandas"
            steps = data["steps"].split(",")
            base_median, base = _median(
                lambda steps=steps: _pandas_funnel(baseline_con, steps), args.runs
            )
            got = [r["visits"] + r["visits_prev"] for r in result.table("steps").rows]
            assert got == base, (got, base)
        elif slug == "visitors":
            kind = "sessionized on the fly"
            base_median, _ = _median(
                lambda spec=spec, kwargs=kwargs: spec.run(
                    con=session_con, src=_base.Sources(present=False), **kwargs
                ),
                max(1, min(args.runs, 3)),
            )
        else:
            kind = "rollup definitions over raw tables"
            base_median, base = _median(
                lambda spec=spec, kwargs=kwargs: spec.run(
                    con=baseline_con, src=_base.Sources(present=False), **kwargs
                ),
                args.runs,
            )
            assert [t.rows for t in base.tables] == [t.rows for t in result.tables], slug
            assert base.totals == result.totals, slug
        ratio = base_median / median
        rows.append(
            {"report": slug, "report_s": round(median, 3), "report_cpu_s": round(report_cpu, 3),
             "baseline_s": round(base_median, 3), "baseline_cpu_s": round(CPU[-1], 3),
             "ratio": round(ratio, 1), "baseline": kind, "load": os.getloadavg()[0]}
        )  # fmt: skip
        print(
            f"{slug:14s} {median:9.3f} {report_cpu:8.3f} {base_median:11.3f} {CPU[-1]:9.3f} "
            f"{ratio:6.1f}x  load {os.getloadavg()[0]:.1f}  {kind}",
            flush=True,
        )
    con.close()
    baseline_con.close()
    session_con.close()
    out["reports"] = rows

    # The segment rule "visited page": the customer ids it fetches from the store.
    from dangol.webanalytics.selectors import web_customers_visited

    since = dt.datetime.combine(today - dt.timedelta(days=30), dt.time())
    seg_median, ids = _median(
        lambda: web_customers_visited(path="/products/", prefix=True, since=since), args.runs
    )
    out["segment_ids_s"], out["segment_ids"] = round(seg_median, 3), len(ids)
    print(f"visited_page /products/* 30 days: {len(ids):,} customer ids in {seg_median:.3f} s")
    out["segment_join"] = _segment_join(ids, args.runs)

    # Rollups: a full build, and the incremental refresh after one batch, on a copy.
    if not args.skip_rollups:
        with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
            copy = Path(scratch) / "copy.duckdb"
            shutil.copy(path, copy)
            write = duckdb.connect(str(copy))
            start = time.perf_counter()
            webanalytics_rollup_refresh(con=write, full=True)
            out["rollup_full_s"] = round(time.perf_counter() - start, 2)
            write.execute(
                """
                INSERT INTO web_event
                SELECT * REPLACE (event_id + (SELECT max(event_id) FROM web_event) AS event_id,
                                  ts + INTERVAL 1 HOUR AS ts)
                FROM web_event WHERE ts >= $day ORDER BY ts LIMIT 10000
                """,
                {"day": dt.datetime.combine(today, dt.time())},
            )
            start = time.perf_counter()
            first = webanalytics_rollup_refresh(con=write)
            out["rollup_incremental_s"] = round(time.perf_counter() - start, 2)
            write.close()
            print(
                f"rollups: full build {out['rollup_full_s']} s; incremental after a 10,000-event "
                f"batch {out['rollup_incremental_s']} s (rebuilt from {first})"
            )
    out["load_after"] = os.getloadavg()
    print(f"load averages before {out['load_before']}, after {out['load_after']}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
