"""Load test (issue 9 §4): 100 concurrent staff users on the 1,000,000-customer demo.

One command: builds (or with ``--reuse-db`` reuses) the demo in the PostgreSQL database
``dg_perf``, reads its tables and indexes into the OS cache (``pg_prewarm``; ``--no-prewarm``
skips it), starts the production server (gunicorn with ``dangol/config/gunicorn.py``,
``DEBUG`` off, collected static files served by WhiteNoise) on 127.0.0.1:8300, signs in
staff users through the login form (session cookies) and makes an API token, then runs
Locust headless (``locustfile.py``) for each of ``--runs`` rounds:

1. the baseline: the same number of users and waits fetching one small static file;
2. the mix: the customer 360 page for random customers the user may see, the customer
   search (list with ``q=`` a name, e-mail or phone prefix) and API reads
   (``/api/v1/customers/?q=…``, ``?region=…``, ``/api/v1/customers/<id>/``).

It prints p50/p95/p99 and errors per endpoint from Locust's CSV, the load average during
each round, and writes everything to ``benchmarks/results/load-<time>.json``.

    .venv/bin/python benchmarks/load/run_load.py --reuse-db            # the usual run
    .venv/bin/python benchmarks/load/run_load.py --reuse-db --runs 1 --duration 30
    .venv/bin/python benchmarks/load/run_load.py                       # rebuild the demo

Target: p99 under 200 ms and no errors for every endpoint.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("DANGOL_LOAD_PG", "postgres://postgres@127.0.0.1:5432")
DEMO_END_DATE = "2026-11-27"
TARGET_P99_MS = 200
MANAGER, SALES = "demo_manager", "demo_sales1"
TOKEN_NAME = "load test"  # noqa: S105 (a label, not a secret)
SAMPLE_IDS = 5000


def _loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def _disk_read_kb() -> int:
    """Return the kilobytes the machine has read from disk since boot (``pgpgin``)."""
    for line in Path("/proc/vmstat").read_text().splitlines():
        name, _, value = line.partition(" ")
        if name == "pgpgin":
            return int(value)
    return 0


def _run(cmd: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    shown = ["<prepare script>" if "\n" in part else part for part in cmd]
    print("$", " ".join(shown), flush=True)
    return subprocess.run(cmd, env=env, cwd=REPO, check=True, **kw)  # noqa: S603


def _customer_count(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('customers_customer')").fetchone()[0]
        if exists is None:
            return 0
        # The demo writes customers first and users last: count only a finished demo.
        users = conn.execute(
            "SELECT count(*) FROM accounts_user WHERE username = %s", (MANAGER,)
        ).fetchone()[0]
        orders = conn.execute("SELECT EXISTS (SELECT 1 FROM sales_order)").fetchone()[0]
        if not users or not orders:
            return 0
        return conn.execute("SELECT count(*) FROM customers_customer").fetchone()[0]


def _prewarm(database_url: str) -> dict:
    """Read the database's tables and indexes once, into the operating system's cache.

    A server that has been running holds its working set in memory; a demo just built (or
    a machine just booted) does not, and the test's 15 s of warm-up touch a small part of
    5 GB. Cold, the rounds read ~3 MB/s from disk (on this kind of machine the page cache
    drops the files again within minutes, so rounds still read some after the prewarm;
    each round records how much). ``pg_prewarm`` in ``read`` mode reads each relation through the OS
    cache without filling PostgreSQL's shared buffers (the extension is created in the
    demo's database if missing).
    """
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        blocks = conn.execute(
            "SELECT coalesce(sum(pg_prewarm(c.oid, 'read')), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't', 'm')"
        ).fetchone()[0]
    seconds = time.perf_counter() - started
    print(f"Prewarmed {int(blocks) * 8 / 1024:,.0f} MB into the OS cache in {seconds:.1f} s")
    return {"megabytes": round(int(blocks) * 8 / 1024), "seconds": round(seconds, 1)}


def _ensure_database(args, env: dict) -> float:
    """Create dg_perf if missing, migrate it, build the demo unless it may be reused."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (args.db,)).fetchone():
            conn.execute(f'CREATE DATABASE "{args.db}"')
    _run([str(BIN / "dangol"), "migrate", "-v0"], env)
    have = _customer_count(env["DATABASE_URL"])
    if args.reuse_db and have >= args.customers:
        print(f"Reusing {args.db}: {have:,} customers", flush=True)
        return 0.0
    started = time.perf_counter()
    _run(
        [
            str(BIN / "dangol"),
            "demo",
            "--customers",
            str(args.customers),
            "--no-serve",
            "--reset",
            "--end-date",
            DEMO_END_DATE,
        ],
        env,
        stdout=subprocess.DEVNULL,  # the demo prints passwords; the runner sets its own
    )
    return time.perf_counter() - started


PREPARE = r"""
import json, random, sys
import django
django.setup()
from django.db import connection
from dangol.accounts.models import ApiToken, User
from dangol.accounts.services import api_token_create
from dangol.customers.models import Customer
from dangol.customers.choices import Region

out, password, manager_name, sales_name, token_name, sample = sys.argv[1:7]
sample = int(sample)
users = {}
for name in (manager_name, sales_name):
    user = User.objects.get(username=name)
    user.set_password(password)
    user.save(update_fields=["password"])
    users[name] = user
ApiToken.objects.filter(user=users[manager_name], name=token_name).delete()
_, token = api_token_create(user=users[manager_name], name=token_name)

from dangol.customers.permissions import restrict_visible

live = Customer.objects.filter(merged_into__isnull=True, deleted_at__isnull=True)
with connection.cursor() as cur:
    cur.execute("SELECT max(id) FROM customers_customer")
    top = cur.fetchone()[0]
rng = random.Random(20261128)
# Random ids by probing the id range (ids are dense); keep those that exist and are live.
probe = sorted({rng.randint(1, top) for _ in range(sample * 2)})
# Only customers each user may see (a manager sees the team's): a 404 counts as an error.
seen = {name: restrict_visible(live, user) for name, user in users.items()}
manager_ids = list(seen[manager_name].filter(id__in=probe).values_list("id", flat=True))
if len(manager_ids) < sample // 10:
    manager_ids = list(seen[manager_name].order_by("?").values_list("id", flat=True)[:sample])
manager_ids = manager_ids[:sample]
sales_ids = list(seen[sales_name].order_by("?").values_list("id", flat=True)[:sample])
rows = list(live.filter(id__in=manager_ids[:1500]).values_list("name", "email", "phone_digits"))
names = sorted({n[: rng.choice((2, 3))] for n, _, _ in rows if n and len(n) >= 3})
emails = sorted({e.split("@")[0][: rng.choice((4, 5, 6))] for _, e, _ in rows if e})
phones = sorted({p[: rng.choice((7, 8))] for _, _, p in rows if p and len(p) >= 8})
json.dump(
    {
        "manager_ids": manager_ids,
        "sales_ids": sales_ids,
        "token": token,
        "prefixes": {"name": names, "email": emails, "phone": phones},
        "regions": [v for v, _ in Region.choices if v],
    },
    open(out, "w"),
)
"""


def _prepare(env: dict, work: Path) -> dict:
    """Set the two users' passwords, make an API token, sample ids and search prefixes."""
    password = secrets.token_urlsafe(18)
    out = work / "prepare.json"
    _run(
        [
            str(BIN / "python"),
            "-c",
            PREPARE,
            str(out),
            password,
            MANAGER,
            SALES,
            TOKEN_NAME,
            str(SAMPLE_IDS),
        ],
        env,
    )
    data = json.loads(out.read_text())
    data["password"] = password
    return data


def _start_server(args, env: dict, work: Path) -> subprocess.Popen:
    log = open(work / "gunicorn.log", "w")  # noqa: SIM115 (closed with the process)
    cmd = [
        str(BIN / "gunicorn"),
        "-c",
        "python:dangol.config.gunicorn",
        "--bind",
        f"127.0.0.1:{args.port}",
        "dangol.config.wsgi",
    ]
    print("$", " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    import requests

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {work / 'gunicorn.log'}")
        try:
            requests.get(f"http://127.0.0.1:{args.port}/accounts/login/", timeout=10)
            return proc
        except requests.RequestException:  # not listening yet, or workers still booting
            time.sleep(0.5)
    proc.terminate()
    proc.wait(timeout=30)
    raise SystemExit("gunicorn did not answer within 120 s")


def _login(base: str, username: str, password: str) -> str:
    """Sign in through the login form and return the session cookie's value."""
    import requests

    s = requests.Session()
    s.get(f"{base}/accounts/login/", timeout=10).raise_for_status()
    r = s.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": s.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    if r.status_code != 302 or "sessionid" not in s.cookies:
        raise SystemExit(f"Login of {username} failed: HTTP {r.status_code}")
    return s.cookies["sessionid"]


def _static_url(base: str) -> str:
    """Return the URL of htmx as the login page links it (hashed name in production)."""
    import re

    import requests

    page = requests.get(f"{base}/accounts/login/", timeout=10).text
    match = re.search(r'src="([^"]*htmx[^"]*\.js)"', page)
    if not match:
        raise SystemExit("No htmx script on the login page to use as the baseline")
    return match.group(1)


def _locust(args, env: dict, work: Path, user_class: str, tag: str, duration: int) -> dict:
    prefix = work / tag
    cmd = [
        str(BIN / "locust"),
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{duration}s",
        "--host",
        f"http://127.0.0.1:{args.port}",
        "--csv",
        str(prefix),
        "--reset-stats",
        "--only-summary",
        "--loglevel",
        "WARNING",
        user_class,
    ]
    load_before, read_before = _loadavg(), _disk_read_kb()
    started = time.perf_counter()
    # Locust exits 1 when any request failed; the CSV says which.
    subprocess.run(cmd, env=env, cwd=REPO, check=False, stdout=subprocess.DEVNULL)  # noqa: S603
    took = time.perf_counter() - started
    load_after, read_kb = _loadavg(), _disk_read_kb() - read_before
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50": float(row["50%"]),
                "p95": float(row["95%"]),
                "p99": float(row["99%"]),
                "max": float(row["Max Response Time"]),
            }
    failures = []
    failures_csv = Path(f"{prefix}_failures.csv")
    if failures_csv.exists():
        with open(failures_csv, newline="") as f:
            failures = [
                {"name": r["Name"], "error": r["Error"], "count": int(r["Occurrences"])}
                for r in csv.DictReader(f)
            ]
    return {
        "endpoints": rows,
        "failures": failures,
        "seconds": round(took, 1),
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "disk_read_mb": round(read_kb / 1024, 1),
    }


def _print_round(label: str, result: dict, baseline_p99: float | None) -> None:
    print(
        f"\n{label}: load average {result['loadavg_before'][0]:.2f} -> "
        f"{result['loadavg_after'][0]:.2f} (1 min), {result['disk_read_mb']:.0f} MB read from disk"
    )
    head = f"{'reqs':>6} {'err':>4} {'p50':>6} {'p95':>6} {'p99':>6} {'x base':>7}"
    print(f"  {'endpoint':<42} {head}")
    for name, r in result["endpoints"].items():
        ratio = f"{r['p99'] / baseline_p99:.1f}" if baseline_p99 else ""
        print(
            f"  {name:<42} {r['requests']:>6} {r['errors']:>4} {r['p50']:>6.0f} "
            f"{r['p95']:>6.0f} {r['p99']:>6.0f} {ratio:>7}"
        )
    for failure in result["failures"]:
        print(f"  ! {failure['count']} x {failure['name']}: {failure['error']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse-db", action="store_true", help="keep the demo if it is there")
    parser.add_argument("--db", default="dg_perf")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--duration", type=int, default=45, help="seconds per measured phase")
    parser.add_argument("--warmup", type=int, default=15, help="seconds of unrecorded load")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument("--wait", default="1,2", help="seconds between a user's requests")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=None, help="threads per worker")
    parser.add_argument(
        "--no-prewarm", action="store_true", help="leave the OS cache as it is (a cold server)"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dangol-load-"))
    data_dir = work / "data"
    data_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG_SERVER}/{args.db}",
        "DANGOL_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "dangol.config.settings",
        # This checkout's code, whatever the virtualenv's editable install points at.
        "PYTHONPATH": str(REPO),
        "DEBUG": "0",
        "DANGOL_SECRET_KEY": secrets.token_urlsafe(50),
        "DANGOL_STATIC_COLLECTED": "1",
        # Rate limits protect a shared server from one client; here one token stands in for
        # many clients, so they would turn the test into a test of the limiter.
        "DANGOL_API_RATE_TOKEN": "1000000/minute",
        "DANGOL_API_RATE_USER": "1000000/minute",
        "DANGOL_LOAD_WAIT": args.wait,
    }
    if args.workers:
        env["DANGOL_WEB_WORKERS"] = str(args.workers)
    if args.threads:
        env["DANGOL_WEB_THREADS"] = str(args.threads)

    demo_seconds = _ensure_database(args, env)
    prewarm = None if args.no_prewarm else _prewarm(env["DATABASE_URL"])
    _run([str(BIN / "dangol"), "collectstatic", "--noinput", "-v0"], env)
    prepared = _prepare(env, work)
    server = _start_server(args, env, work)
    base = f"http://127.0.0.1:{args.port}"
    try:
        sessions = [
            {"cookie": _login(base, MANAGER, prepared["password"]), "ids": prepared["manager_ids"]},
            {"cookie": _login(base, SALES, prepared["password"]), "ids": prepared["sales_ids"]},
        ]
        load_data = {
            "sessions": sessions,
            "cookie_name": "sessionid",
            "token": prepared["token"],
            "prefixes": prepared["prefixes"],
            "regions": prepared["regions"],
            "static_url": _static_url(base),
            "api_ids": prepared["manager_ids"],  # the token is the manager's
        }
        (work / "load.json").write_text(json.dumps(load_data))
        env["DANGOL_LOAD_DATA"] = str(work / "load.json")
        if args.warmup:
            _locust(args, env, work, "StaffUser", "warmup", args.warmup)
        rounds = []
        for i in range(args.runs):
            baseline = _locust(args, env, work, "StaticUser", f"baseline{i}", args.duration)
            mix = _locust(args, env, work, "StaffUser", f"mix{i}", args.duration)
            base_p99 = baseline["endpoints"]["Aggregated"]["p99"]
            _print_round(f"Round {i + 1} baseline", baseline, None)
            _print_round(f"Round {i + 1} mix", mix, base_p99)
            rounds.append({"baseline": baseline, "mix": mix})
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    names = list(rounds[0]["mix"]["endpoints"])
    summary = {}
    for name in names:
        per = [r["mix"]["endpoints"][name] for r in rounds if name in r["mix"]["endpoints"]]
        summary[name] = {
            key: statistics.median(p[key] for p in per) for key in ("p50", "p95", "p99", "rps")
        } | {"errors": sum(p["errors"] for p in per), "requests": sum(p["requests"] for p in per)}
    base_p50 = statistics.median(r["baseline"]["endpoints"]["Aggregated"]["p50"] for r in rounds)
    base_p99 = statistics.median(r["baseline"]["endpoints"]["Aggregated"]["p99"] for r in rounds)
    met = all(s["p99"] < TARGET_P99_MS and s["errors"] == 0 for s in summary.values())

    print(f"\nSummary: median of {len(rounds)} rounds, {args.users} users, wait {args.wait} s")
    print(f"  baseline (static file): p50 {base_p50:.0f} ms, p99 {base_p99:.0f} ms")
    print(f"  {'endpoint':<42} {'p50':>6} {'p95':>6} {'p99':>6} {'req/s':>6} {'errors':>6}")
    for name, s in summary.items():
        print(
            f"  {name:<42} {s['p50']:>6.0f} {s['p95']:>6.0f} {s['p99']:>6.0f} "
            f"{s['rps']:>6.1f} {s['errors']:>6}"
        )
    loads = [r["mix"]["loadavg_after"][0] for r in rounds]
    print(f"  load average (1 min) after each mix round: {', '.join(f'{x:.2f}' for x in loads)}")
    print(f"  target p99 < {TARGET_P99_MS} ms and no errors: {'MET' if met else 'NOT MET'}")

    out_dir = REPO / "benchmarks" / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = out_dir / f"load-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "when": stamp,
                "args": vars(args),
                "demo_build_seconds": round(demo_seconds, 1),
                "prewarm": prewarm,
                "server": {
                    "workers": env.get("DANGOL_WEB_WORKERS", "default"),
                    "threads": env.get("DANGOL_WEB_THREADS", "default"),
                },
                "summary": summary,
                "baseline": {"p50": base_p50, "p99": base_p99},
                "target_met": met,
                "rounds": rounds,
            },
            indent=1,
        )
    )
    print(f"  written to {out.relative_to(REPO)}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
