"""Benchmark: Python CPU per request of the load test's four request kinds (issue 9 §4).

The load test (``benchmarks/load/run_load.py``) is bound by the CPU each request costs in
the gunicorn workers. This script measures that cost in one process, without a network or
Locust: it builds the WSGI application exactly as gunicorn does (``dangol.config.wsgi``,
``DEBUG`` off, collected static files through WhiteNoise, the full middleware stack) and
calls it with WSGI environs carrying a session cookie or an API token, like Locust's
requests. Per request kind it times ``time.process_time()`` (CPU of this process: Python,
psycopg, template rendering; not PostgreSQL's backend) and the wall clock around each
call, after a warm-up, and prints medians, the ratio to a baseline measured in the same
run (a static file through WhiteNoise, the load test's baseline) and the queries each
request ran.

Kinds (the load test's mix, weights 4/3/2/2): ``360`` the customer 360 page of a random
customer the user may see; ``search`` the customer list with ``q=`` a name, e-mail or phone
prefix; ``api_list`` ``/api/v1/customers/?q=…`` or ``?region=…&size=50``; ``api_detail``
``/api/v1/customers/<id>/``. The users are the load test's (``demo_manager`` and
``demo_sales1``, alternating for the pages; the manager for the API).

    .venv/bin/python benchmarks/bench_request_cpu.py --db dg_load          # own database
    .venv/bin/python benchmarks/bench_request_cpu.py                       # dg_perf, 1M

Writes: only ``django_session`` rows (two sessions, deleted at the end; with ``--db
dg_perf``, the shared demo, nothing else is written). The API is called with a bearer token
when the database is not ``dg_perf`` (a token is made, and used once a minute, as in the
load test); against ``dg_perf`` it signs in with the session instead (``--api-auth``), so
the shared demo gets no token row. Results go to
``benchmarks/results/request-cpu-<label>-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("DANGOL_LOAD_PG", "postgres://postgres@127.0.0.1:5432")
MANAGER, SALES = "demo_manager", "demo_sales1"
WEIGHTS = {"360": 4, "search": 3, "api_list": 2, "api_detail": 2}


def _loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def _setup(args) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="dangol-reqcpu-"))
    os.environ.update(
        {
            "DATABASE_URL": f"{PG_SERVER}/{args.db}",
            "DANGOL_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "dangol.config.settings",
            "DEBUG": "0",
            "DANGOL_SECRET_KEY": "bench-request-cpu-" + "x" * 40,
            "DANGOL_STATIC_COLLECTED": "1",
            "DANGOL_API_RATE_TOKEN": "1000000/minute",
            "DANGOL_API_RATE_USER": "1000000/minute",
        }
    )
    sys.path.insert(0, str(REPO))
    subprocess.run(
        [sys.executable, "-m", "dangol", "collectstatic", "--noinput", "-v0"],
        check=True,
        cwd=REPO,
        env=os.environ,
    )
    import django

    django.setup()


def _sample(args, rng: random.Random) -> dict:
    """Return the users, customer ids each may see and search prefixes (reads only)."""
    from django.db import connection

    from dangol.accounts.models import User
    from dangol.customers.choices import Region
    from dangol.customers.models import Customer
    from dangol.customers.permissions import restrict_visible

    users = {name: User.objects.get(username=name) for name in (MANAGER, SALES)}
    live = Customer.objects.filter(merged_into__isnull=True, deleted_at__isnull=True)
    with connection.cursor() as cur:
        cur.execute("SELECT max(id) FROM customers_customer")
        top = cur.fetchone()[0]
    probe = sorted({rng.randint(1, top) for _ in range(4000)})
    ids = {}
    for name, user in users.items():
        seen = restrict_visible(live, user)
        found = list(seen.filter(id__in=probe).values_list("id", flat=True))
        if len(found) < 100:
            found = list(seen.order_by("id").values_list("id", flat=True)[:2000])
        ids[name] = found
    rows = list(
        live.filter(id__in=ids[MANAGER][:1500]).values_list("name", "email", "phone_digits")
    )
    prefixes = {
        "name": sorted({n[: rng.choice((2, 3))] for n, _, _ in rows if n and len(n) >= 3}),
        "email": sorted({e.split("@")[0][: rng.choice((4, 5, 6))] for _, e, _ in rows if e}),
        "phone": sorted({p[: rng.choice((7, 8))] for _, _, p in rows if p and len(p) >= 8}),
    }
    return {
        "users": users,
        "ids": ids,
        "prefixes": prefixes,
        "regions": [v for v, _ in Region.choices if v],
    }


def _session(user) -> str:
    """Return the key of a new signed-in session for ``user`` (as the login form makes)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from dangol.accounts.security.middleware import SESSION_KEY as TWO_FACTOR_KEY
    from dangol.accounts.security.middleware import _state_for

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[TWO_FACTOR_KEY] = _state_for(user)
    store.save()
    return store.session_key


def _environ(path: str, query: str = "", headers: dict | None = None) -> dict:
    from django.test.client import FakePayload

    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8300",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8300",
        "HTTP_USER_AGENT": "bench_request_cpu",
        "HTTP_ACCEPT": "*/*",
        "HTTP_ACCEPT_ENCODING": "gzip, deflate",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": FakePayload(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multiprocess": True,
        "wsgi.multithread": True,
        "wsgi.run_once": False,
    }
    environ.update(headers or {})
    return environ


class Caller:
    """Call the WSGI application and check the answer as the locustfile does."""

    def __init__(self, app) -> None:
        self.app = app
        self.status = ""

    def _start(self, status, headers, exc_info=None):
        self.status = status
        return lambda data: None

    def __call__(self, environ: dict, expect: str) -> int:
        result = self.app(environ, self._start)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        if not self.status.startswith("200") or expect.encode() not in body:
            raise SystemExit(f"{environ['PATH_INFO']}?{environ['QUERY_STRING']}: {self.status}")
        return len(body)


def _requests(data: dict, sessions: dict, api_headers: dict, static_url: str, rng):
    """Return ``kind -> function returning (environ, expected text)`` for each kind."""
    cookies = [
        {"HTTP_COOKIE": f"sessionid={sessions[MANAGER]}", "ids": data["ids"][MANAGER]},
        {"HTTP_COOKIE": f"sessionid={sessions[SALES]}", "ids": data["ids"][SALES]},
    ]
    turn = {"i": 0}

    def who() -> dict:
        turn["i"] += 1
        return cookies[turn["i"] % 2]

    def page_360():
        c = who()
        pk = rng.choice(c["ids"])
        return _environ(f"/customers/{pk}/", "", {"HTTP_COOKIE": c["HTTP_COOKIE"]}), "</html>"

    def search():
        c = who()
        kind = rng.choice(("name", "email", "phone"))
        q = quote(rng.choice(data["prefixes"][kind]), safe="")
        return _environ("/customers/", f"q={q}", {"HTTP_COOKIE": c["HTTP_COOKIE"]}), "</html>"

    def api_list():
        if rng.random() < 0.5:
            kind = rng.choice(("name", "email", "phone"))
            query = f"q={quote(rng.choice(data['prefixes'][kind]), safe='')}"
        else:
            query = f"region={rng.choice(data['regions'])}&size=50"
        return _environ("/api/v1/customers/", query, api_headers), '"results"'

    def api_detail():
        pk = rng.choice(data["ids"][MANAGER])
        return _environ(f"/api/v1/customers/{pk}/", "", api_headers), '"id"'

    def static():
        return _environ(static_url), ""

    return {
        "baseline": static,
        "360": page_360,
        "search": search,
        "api_list": api_list,
        "api_detail": api_detail,
    }


def _measure(caller, make, *, n: int, warmup: int, count_queries) -> dict:
    for _ in range(warmup):
        caller(*make())
    cpu, wall, queries, size = [], [], [], []
    for _ in range(n):
        environ, expect = make()
        with count_queries() as counter:
            w0, c0 = time.perf_counter(), time.process_time()
            size.append(caller(environ, expect))
            c1, w1 = time.process_time(), time.perf_counter()
        cpu.append((c1 - c0) * 1000)
        wall.append((w1 - w0) * 1000)
        queries.append(counter.n)
    return {
        "cpu_ms": round(statistics.median(cpu), 2),
        "wall_ms": round(statistics.median(wall), 2),
        "cpu_p90_ms": round(statistics.quantiles(cpu, n=10)[-1], 2),
        "queries": statistics.median(queries),
        "bytes": int(statistics.median(size)),
        "n": n,
    }


def _profile(caller, make, *, n: int, warmup: int) -> int:
    import cProfile
    import pstats

    for _ in range(warmup):
        caller(*make())
    work = [make() for _ in range(n)]
    if os.environ.get("BENCH_PYINSTRUMENT"):  # sampling: far less overhead than cProfile
        from pyinstrument import Profiler

        sampler = Profiler(interval=0.0005, async_mode="disabled")
        sampler.start()
        for environ, expect in work:
            caller(environ, expect)
        sampler.stop()
        print(sampler.output_text(unicode=False, color=False, show_all=False))
        return 0
    profiler = cProfile.Profile(time.process_time)  # CPU, not waits on PostgreSQL
    profiler.enable()
    for environ, expect in work:
        caller(environ, expect)
    profiler.disable()
    out = Path(tempfile.gettempdir()) / "bench_request_cpu.pstats"
    profiler.dump_stats(out)
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats("dangol/", 40)
    stats.strip_dirs().print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    print(f"profile saved to {out}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="dg_perf")
    parser.add_argument("-n", type=int, default=60, help="requests per kind per round")
    parser.add_argument("--warmup", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--label", default="run", help="a name for the results file")
    parser.add_argument("--api-auth", choices=("token", "session"), default=None)
    parser.add_argument("--only", default="", help="comma-separated kinds (default all)")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument(
        "--profile", default="", help="profile this kind with cProfile instead of timing it"
    )
    args = parser.parse_args()
    api_auth = args.api_auth or ("session" if args.db == "dg_perf" else "token")

    _setup(args)
    from contextlib import contextmanager

    from django.contrib.sessions.models import Session
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    rng = random.Random(args.seed)
    data = _sample(args, rng)
    sessions = {name: _session(user) for name, user in data["users"].items()}
    if api_auth == "token":
        from dangol.accounts.models import ApiToken
        from dangol.accounts.services import api_token_create

        manager = data["users"][MANAGER]
        ApiToken.objects.filter(user=manager, name="bench_request_cpu").delete()
        _, token = api_token_create(user=manager, name="bench_request_cpu")
        api_headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    else:
        api_headers = {"HTTP_COOKIE": f"sessionid={sessions[MANAGER]}"}
    app = get_wsgi_application()
    caller = Caller(app)
    static_url = staticfiles_storage.url("vendor/htmx/htmx.min.js")  # the hashed name
    makers = _requests(data, sessions, api_headers, static_url, rng)
    kinds = ["baseline", *[k for k in WEIGHTS if not args.only or k in args.only.split(",")]]

    class Counter:
        n = 0

    @contextmanager
    def count_queries():
        counter = Counter()

        def wrapper(execute, sql, params, many, context):
            counter.n += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(wrapper):
            yield counter

    load_before = _loadavg()
    rounds = []
    try:
        if args.profile:
            return _profile(caller, makers[args.profile], n=args.n, warmup=args.warmup)
        for _ in range(args.rounds):
            # Kinds alternate within each round, so every kind sees the same machine load.
            rounds.append(
                {
                    kind: _measure(
                        caller,
                        makers[kind],
                        n=args.n,
                        warmup=args.warmup,
                        count_queries=count_queries,
                    )
                    for kind in kinds
                }
            )
    finally:
        Session.objects.filter(session_key__in=sessions.values()).delete()
        if api_auth == "token":
            ApiToken.objects.filter(user=data["users"][MANAGER], name="bench_request_cpu").delete()
    load_after = _loadavg()

    summary = {}
    for kind in kinds:
        cpu = statistics.median(r[kind]["cpu_ms"] for r in rounds)
        wall = statistics.median(r[kind]["wall_ms"] for r in rounds)
        summary[kind] = {
            "cpu_ms": round(cpu, 2),
            "wall_ms": round(wall, 2),
            "cpu_x_baseline": round(
                statistics.median(r[kind]["cpu_ms"] / r["baseline"]["cpu_ms"] for r in rounds), 1
            ),
            "queries": rounds[-1][kind]["queries"],
            "bytes": rounds[-1][kind]["bytes"],
        }
    mix = [k for k in WEIGHTS if k in summary]
    weighted = sum(summary[k]["cpu_ms"] * WEIGHTS[k] for k in mix) / sum(WEIGHTS[k] for k in mix)
    print(
        f"\n{args.db}, api auth {api_auth}, {args.rounds} rounds x {args.n} requests per kind,"
        f" load average {load_before[0]:.2f} -> {load_after[0]:.2f}"
    )
    print(f"{'kind':<12} {'cpu ms':>8} {'wall ms':>8} {'cpu/base':>9} {'queries':>8} {'bytes':>8}")
    for kind, s in summary.items():
        print(
            f"{kind:<12} {s['cpu_ms']:>8.2f} {s['wall_ms']:>8.2f} {s['cpu_x_baseline']:>9.1f}"
            f" {s['queries']:>8.0f} {s['bytes']:>8}"
        )
    print(f"weighted mix CPU per request: {weighted:.2f} ms")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = REPO / "benchmarks" / "results" / f"request-cpu-{args.label}-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "db": args.db,
                "api_auth": api_auth,
                "rounds": rounds,
                "summary": summary,
                "weighted_mix_cpu_ms": round(weighted, 2),
                "loadavg_before": load_before,
                "loadavg_after": load_after,
                "n": args.n,
                "warmup": args.warmup,
                "commit": subprocess.run(
                    ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
                    capture_output=True,
                    text=True,
                    cwd=REPO,
                ).stdout.strip(),
            },
            indent=1,
        )
    )
    print(f"wrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
