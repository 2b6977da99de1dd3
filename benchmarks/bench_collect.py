"""Load-test ``/collect`` with wrk on loopback, against a do-nothing view of the same stack.

Starts gunicorn (the real WSGI server) on 127.0.0.1:8241 with the app's settings plus a
``/noop`` view returning 204 (the baseline: same middleware, no work), and the ingester
(``dangol webanalytics ingest``) as a separate process, as in production. For each run,
wrk posts tracker batches (``--batch`` events each, as the tracker sends them) for
``--seconds``; then the ingester drains the spool and the events in DuckDB are counted
against the events the server accepted.

    .venv/bin/python benchmarks/bench_collect.py --runs 3 --seconds 60

Needs ``wrk`` (Debian package) and gunicorn. Prints one JSON line per run and a summary
with medians; the figures go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT = 8241
UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


def _env(data_dir: Path) -> dict:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(ROOT),
        DANGOL_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="benchmarks.collect.settings",
        DANGOL_SECRET_KEY="bench-collect-secret-key-not-for-production-0123456789",  # noqa: S106
        DANGOL_TRUSTED_PROXIES="127.0.0.1",
        DANGOL_TASK_BACKEND="immediate",
    )
    env.pop("DATABASE_URL", None)
    return env


def _batch(size: int) -> bytes:
    kinds = ["pageview"] * max(1, size - 3) + ["search", "outlink", "goal"]
    events = []
    for i, kind in enumerate(kinds[:size]):
        event = {
            "kind": kind,
            "url": f"https://shop.example.com/products/{i}?q=coat",
            "title": f"Product {i}",
            "referrer": "https://search.naver.com/search.naver?query=%EC%BD%94%ED%8A%B8"
            if i == 0
            else f"https://shop.example.com/products/{i - 1}",
            "screen": "1920x1080",
            "depth": 24,
            "age": 100 * (size - i),
        }
        if kind == "search":
            event["search"] = "coat"
        elif kind == "outlink":
            event["href"] = "https://example.org/partner"
        elif kind == "goal":
            event.update(goal="signup", value=10)
        events.append(event)
    return json.dumps({"site": "bench", "events": events}).encode()


def _wait_http(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def _wrk(path: str, *, seconds: int, connections: int, body_file: Path) -> dict:
    env = dict(os.environ, BENCH_BODY_FILE=str(body_file))
    out = subprocess.run(  # noqa: S603
        [  # noqa: S607 - wrk from the Debian package, on PATH
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(ROOT / "benchmarks" / "collect" / "post.lua"),
            f"http://127.0.0.1:{PORT}{path}",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    p50 = re.search(r"50%\s+(\S+)", out).group(1)
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    return {
        "requests": requests,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
        "rps": requests / seconds,
        "p50": p50,
        "p99": p99,
    }


def _count_events(env: dict) -> int:
    code = (
        "import django; django.setup();"
        "from dangol.webanalytics.store import web_store_read\n"
        "with web_store_read() as con:"
        " print(con.execute('SELECT count(*) FROM web_event').fetchone()[0])"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def _cpu_seconds(pids: list[int]) -> float:
    """Return user+system CPU seconds of ``pids`` (and their reaped children)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime are fields 14-17 (1-based) of the whole line.
        total += sum(int(v) for v in fields[11:15]) / tick
    return total


def _worker_pids(master: int) -> list[int]:
    """Return gunicorn's master and its workers (children read from /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            children.append(int(stat.parent.name))
    return [master, *children]


def _ingest_passes(log: Path, since: int) -> list[tuple[int, float]]:
    passes = []
    for line in log.read_text().splitlines()[since:]:
        found = re.match(r"(\d+) events .* in ([\d.]+) s", line)
        if found:
            passes.append((int(found.group(1)), float(found.group(2))))
    return passes


def _sample(data_dir: Path, until: float, into: list[int]) -> None:
    while time.monotonic() < until:
        into.append(_spool_bytes(data_dir))
        time.sleep(2)


def _spool_bytes(data_dir: Path) -> int:
    spool = data_dir / "webanalytics" / "spool"
    return sum(p.stat().st_size for p in spool.glob("*.jsonl*")) if spool.exists() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument(
        "--server-nice",
        type=int,
        default=0,
        help="Run the web workers this much nicer than the ingester (0: same priority).",
    )
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="bench-collect-"))
    env = _env(data_dir)
    python = sys.executable
    subprocess.run(  # noqa: S603
        [python, "-m", "dangol", "migrate", "-v0"], env=env, check=True, cwd=ROOT
    )
    subprocess.run(  # noqa: S603
        [python, "-m", "dangol", "webanalytics", "site", "add", "--key", "bench"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    body_file = data_dir / "body.json"
    body_file.write_bytes(_batch(args.batch))
    nice = ["/usr/bin/nice", "-n", str(args.server_nice)] if args.server_nice else []
    gunicorn = subprocess.Popen(  # noqa: S603
        [
            *nice,
            str(Path(python).with_name("gunicorn")),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(args.workers),
            "--worker-class",
            args.worker_class,
            "--preload",
            "--log-level",
            "warning",
            "dangol.config.wsgi:application",
        ],
        env=env,
        cwd=ROOT,
    )
    ingester = subprocess.Popen(  # noqa: S603
        [python, "-m", "dangol", "webanalytics", "ingest", "--interval", "1"],
        env=env,
        cwd=ROOT,
        stdout=(data_dir / "ingest.log").open("w"),
    )
    ingest_log = data_dir / "ingest.log"
    results = []
    try:
        _wait_http(f"http://127.0.0.1:{PORT}/noop")
        # Warm up both paths (imports, caches, the DuckDB file).
        _wrk("/collect", seconds=3, connections=args.connections, body_file=body_file)
        _wrk("/noop", seconds=3, connections=args.connections, body_file=body_file)
        for run in range(args.runs):
            load_before = os.getloadavg()[0]
            base = _wrk(
                "/noop", seconds=args.seconds, connections=args.connections, body_file=body_file
            )
            events_before = _count_events(env)
            backlog = []
            sampler_stop = time.monotonic() + args.seconds
            col = {}

            import threading

            log_lines = len(ingest_log.read_text().splitlines())
            server_pids = _worker_pids(gunicorn.pid)
            cpu_server = _cpu_seconds(server_pids)
            cpu_ingest = _cpu_seconds([ingester.pid])

            thread = threading.Thread(target=_sample, args=(data_dir, sampler_stop, backlog))
            thread.start()
            col = _wrk(
                "/collect", seconds=args.seconds, connections=args.connections, body_file=body_file
            )
            thread.join()
            cpu_server = _cpu_seconds(server_pids) - cpu_server
            cpu_ingest_run = _cpu_seconds([ingester.pid]) - cpu_ingest
            ended = time.monotonic()
            while _spool_bytes(data_dir) > 0 and time.monotonic() - ended < 120:
                time.sleep(0.2)
            drained_s = time.monotonic() - ended
            time.sleep(1.5)  # the last ingest pass commits
            stored = _count_events(env) - events_before
            cpu_ingest = _cpu_seconds([ingester.pid]) - cpu_ingest
            passes = _ingest_passes(ingest_log, log_lines)
            ingest_busy = sum(t for _n, t in passes)
            accepted = (col["requests"] - col["non_2xx"]) * args.batch
            result = {
                "run": run + 1,
                "batch": args.batch,
                "collect_rps": round(col["rps"], 1),
                "collect_events_per_s": round(col["rps"] * args.batch, 1),
                "collect_p50": col["p50"],
                "collect_p99": col["p99"],
                "collect_non_2xx": col["non_2xx"],
                "noop_rps": round(base["rps"], 1),
                "ratio_collect_to_noop": round(col["rps"] / base["rps"], 3),
                "accepted_events_wrk": accepted,
                "stored_events": stored,
                "max_spool_backlog_bytes": max(backlog or [0]),
                "drain_seconds_after_run": round(drained_s, 2),
                "loadavg_1m_before": round(load_before, 2),
                "server_cpu_ms_per_event": round(1000 * cpu_server / max(1, accepted), 4),
                "ingester_cpu_ms_per_event": round(1000 * cpu_ingest / max(1, stored), 4),
                "ingester_cpu_s_during_run": round(cpu_ingest_run, 1),
                "ingest_passes": len(passes),
                "ingest_longest_pass_s": max((t for _n, t in passes), default=0),
                "ingest_events_per_busy_s": round(stored / ingest_busy, 1) if ingest_busy else 0,
            }
            results.append(result)
            print(json.dumps(result), flush=True)
    finally:
        for proc in (gunicorn, ingester):
            proc.send_signal(signal.SIGTERM)
        for proc in (gunicorn, ingester):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    summary = {
        key: statistics.median(r[key] for r in results)
        for key in ("collect_rps", "collect_events_per_s", "noop_rps", "ratio_collect_to_noop")
    }
    summary.update(
        runs=len(results),
        seconds=args.seconds,
        workers=args.workers,
        worker_class=args.worker_class,
        server_nice=args.server_nice,
        connections=args.connections,
        cpus=os.cpu_count(),
    )
    print("SUMMARY " + json.dumps(summary))


if __name__ == "__main__":
    main()
