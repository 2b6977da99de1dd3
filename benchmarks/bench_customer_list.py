"""Benchmark the customer list and search at 1,000,000 customers (issue 2 §4).

Loads realistic customers once per database (kept between runs: a SQLite file in
``var/bench/`` and the PostgreSQL database ``dg_bench``), then times every list and search
case through ``customer_list`` alone and through the full Django view, against the
straightforward Django approach (``Paginator`` with OFFSET + COUNT, ``icontains`` over four
columns) on the same data.

    .venv/bin/python benchmarks/bench_customer_list.py              # both databases
    .venv/bin/python benchmarks/bench_customer_list.py --db sqlite --runs 9
    .venv/bin/python benchmarks/bench_customer_list.py --db postgres --reload
    .venv/bin/python benchmarks/bench_customer_list.py --explain "Kim"   # query plans

Figures are milliseconds of server time: median and max of ``--runs`` runs after one
warm-up. The results are written as JSON next to the SQLite file and printed as tables.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("DANGOL_BENCH_DIR", REPO / "var" / "bench"))
PG_SERVER = os.environ.get("DANGOL_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "dg_bench"
ROWS = 1_000_000
SEED = 20261127
SALES_USERS = 50
TEAMS = 5

# Korean surnames with their approximate share of the population (2015 census).
SURNAMES = [
    ("김", 21.5), ("이", 14.7), ("박", 8.4), ("최", 4.7), ("정", 4.3), ("강", 2.3),
    ("조", 2.1), ("윤", 2.1), ("장", 2.0), ("임", 1.7), ("한", 1.5), ("오", 1.5),
    ("서", 1.5), ("신", 1.4), ("권", 1.4), ("황", 1.4), ("안", 1.3), ("송", 1.3),
    ("전", 1.1), ("홍", 1.1), ("유", 1.0), ("고", 0.9), ("문", 0.9), ("양", 0.9),
    ("손", 0.9), ("배", 0.8), ("백", 0.8), ("허", 0.6), ("남", 0.5), ("심", 0.5),
    ("노", 0.4), ("하", 0.4), ("곽", 0.4), ("성", 0.4), ("차", 0.4), ("주", 0.4),
    ("우", 0.4), ("구", 0.4), ("민", 0.3), ("류", 0.3), ("나", 0.3), ("진", 0.3),
    ("지", 0.3), ("엄", 0.3), ("채", 0.3), ("원", 0.2), ("천", 0.2), ("방", 0.2),
    ("공", 0.2), ("현", 0.2), ("함", 0.2), ("변", 0.2), ("염", 0.2), ("여", 0.1),
    ("추", 0.1), ("도", 0.1), ("석", 0.1), ("선", 0.1), ("설", 0.1), ("마", 0.05),
    ("길", 0.05), ("연", 0.05), ("위", 0.05), ("표", 0.05), ("명", 0.05), ("기", 0.05),
    ("황보", 0.02), ("남궁", 0.02), ("제갈", 0.01), ("선우", 0.01), ("독고", 0.005),
]  # fmt: skip
ROMAN_SURNAME = {
    "김": "kim", "이": "lee", "박": "park", "최": "choi", "정": "jung", "강": "kang",
    "조": "cho", "윤": "yoon", "장": "jang", "임": "lim", "한": "han", "오": "oh",
    "서": "seo", "신": "shin", "권": "kwon", "황": "hwang", "안": "ahn", "송": "song",
    "전": "jeon", "홍": "hong", "유": "yoo", "고": "ko", "문": "moon", "양": "yang",
    "손": "son", "배": "bae", "백": "baek", "허": "heo", "남": "nam", "심": "shim",
    "노": "noh", "하": "ha", "곽": "kwak", "성": "sung", "차": "cha", "주": "joo",
    "우": "woo", "구": "koo", "민": "min", "류": "ryu", "나": "na", "진": "jin",
    "지": "ji", "엄": "eom", "채": "chae", "원": "won", "천": "cheon", "방": "bang",
    "공": "kong", "현": "hyun", "함": "ham", "변": "byun", "염": "yeom", "여": "yeo",
    "추": "choo", "도": "do", "석": "seok", "선": "sun", "설": "seol", "마": "ma",
    "길": "gil", "연": "yeon", "위": "wi", "표": "pyo", "명": "myung", "기": "ki",
    "황보": "hwangbo", "남궁": "namgung", "제갈": "jegal", "선우": "sunwoo", "독고": "dokgo",
}  # fmt: skip
# Popular given names (several decades) with romanisations; weights fall off Zipf-like.
GIVEN = [
    ("민준", "minjun"), ("서연", "seoyeon"), ("지훈", "jihoon"), ("지민", "jimin"),
    ("서준", "seojun"), ("민서", "minseo"), ("도윤", "doyun"), ("서윤", "seoyun"),
    ("예준", "yejun"), ("지우", "jiwoo"), ("하준", "hajun"), ("하은", "haeun"),
    ("주원", "juwon"), ("지유", "jiyu"), ("현우", "hyunwoo"), ("수빈", "subin"),
    ("지호", "jiho"), ("예은", "yeeun"), ("건우", "gunwoo"), ("수아", "sua"),
    ("영수", "youngsoo"), ("영희", "younghee"), ("정훈", "junghoon"), ("미경", "mikyung"),
    ("성민", "sungmin"), ("은지", "eunji"), ("동현", "donghyun"), ("지영", "jiyoung"),
    ("상철", "sangcheol"), ("순자", "soonja"), ("경민", "kyungmin"), ("혜진", "hyejin"),
    ("재원", "jaewon"), ("유진", "yujin"), ("승현", "seunghyun"), ("민지", "minji"),
    ("태현", "taehyun"), ("수진", "sujin"), ("준호", "junho"), ("은영", "eunyoung"),
    ("성호", "sungho"), ("미영", "miyoung"), ("진우", "jinwoo"), ("소연", "soyeon"),
    ("우진", "woojin"), ("다은", "daeun"), ("시우", "siwoo"), ("채원", "chaewon"),
]  # fmt: skip
SYLLABLES = list(
    "가경규근기나다도동라래린명무미민보빈상서석선설성세소솔수슬승시아안연영예온우원유윤은을의"
    "인재정주준지진찬채철태하한혁현혜호화환효후훈희"
)
EN_FIRST = [
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph",
    "Thomas", "Daniel", "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Susan",
    "Jessica", "Sarah", "Karen", "Emily", "Kimberly", "Grace", "Hannah", "Olivia",
    "Sophia", "Liam", "Noah", "Ethan", "Lucas", "Mason", "Isabella", "Chloe",
]  # fmt: skip
EN_LAST = [
    ("Smith", 10), ("Johnson", 8), ("Williams", 7), ("Brown", 7), ("Jones", 6),
    ("Garcia", 5), ("Miller", 5), ("Davis", 5), ("Wilson", 4), ("Anderson", 4),
    ("Taylor", 4), ("Thomas", 4), ("Moore", 3), ("Martin", 3), ("Lee", 6), ("Kim", 8),
    ("Park", 5), ("Nguyen", 3), ("Chen", 3), ("Kimball", 0.3), ("Whitfield", 0.2),
    ("McKenzie", 0.1), ("Okonkwo", 0.05), ("Zabriskie", 0.02),
]  # fmt: skip
COMPANY_WORDS = [
    "한빛", "대한", "우리", "미래", "동방", "세종", "태평양", "신세계", "한울", "푸른",
    "Hanbit", "Daehan", "Mirae", "Pacific", "Global", "Blue Ocean", "Seoul", "Asia",
]  # fmt: skip
COMPANY_SUFFIX = [
    "상사", "무역", "산업", "전자", "식품", "물산", "유통", "Trading", "Foods", "Logistics",
    "Electronics", "Industries",
]  # fmt: skip
REGIONS = [
    ("gyeonggi", 26.5), ("seoul", 18.8), ("busan", 6.5), ("gyeongnam", 6.4),
    ("incheon", 5.7), ("gyeongbuk", 5.1), ("daegu", 4.6), ("chungnam", 4.1),
    ("jeonnam", 3.5), ("jeonbuk", 3.5), ("chungbuk", 3.1), ("gangwon", 3.0),
    ("daejeon", 2.8), ("gwangju", 2.8), ("ulsan", 2.2), ("jeju", 1.3), ("sejong", 0.7),
    ("abroad", 0.6), ("", 1.0),
]  # fmt: skip
GROUPS = [("retail", "Retail", "소매", 70), ("wholesale", "Wholesale", "도매", 22),
          ("industrial", "Industrial", "산업", 7.5), ("vip", "VIP", "VIP", 0.5)]  # fmt: skip
STATUSES = [("customer", 55), ("lead", 20), ("prospect", 15), ("churned", 10)]
CHANNELS = ["store", "online", "call_center", "field_sales", "partner", "referral", "campaign"]
MAIL_DOMAINS = [("naver.com", 40), ("gmail.com", 30), ("daum.net", 12), ("kakao.com", 8),
                ("hanmail.net", 5), ("nate.com", 5)]  # fmt: skip
COLUMNS = [
    "id", "created_at", "updated_at", "kind", "external_id", "name", "email", "phone",
    "phone_digits", "gender", "birth_date", "region", "city", "customer_group_id",
    "acquisition_channel", "status", "owner_id", "consent_email", "consent_sms",
    "consent_phone", "consent_post", "custom_fields", "version",
]  # fmt: skip


def _picker(rng: random.Random, pairs):
    values = [p[0] for p in pairs]
    cum = []
    total = 0.0
    for p in pairs:
        total += p[-1]
        cum.append(total)

    def pick():
        return rng.choices(values, cum_weights=cum)[0]

    return pick


def generate_rows(n: int, *, group_ids: dict[str, int], owners: list[int]):
    """Yield ``n`` customer rows (ids 1..n, oldest first), deterministic for SEED."""
    rng = random.Random(SEED)
    surname = _picker(rng, SURNAMES)
    given_weights = [(g, 1 / (i + 1) ** 0.8) for i, g in enumerate(GIVEN)]
    given = _picker(rng, given_weights)
    en_last = _picker(rng, EN_LAST)
    region = _picker(rng, REGIONS)
    group = _picker(rng, [(g[0], g[3]) for g in GROUPS])
    status = _picker(rng, STATUSES)
    domain = _picker(rng, MAIL_DOMAINS)
    # A few sales people own far more customers than others.
    owner_weights = [(o, 1 / (i + 1) ** 0.5) for i, o in enumerate(owners)]
    owner = _picker(rng, owner_weights)
    start = datetime(2021, 1, 1, tzinfo=UTC)
    step = timedelta(seconds=5 * 365 * 86400 / n)
    for i in range(1, n + 1):
        roll = rng.random()
        kind = "person"
        gender = rng.choice(["female", "male", "", "female", "male"])
        if roll < 0.72:  # a Korean person written in Hangul
            sur = surname()
            if rng.random() < 0.8:
                g_ko, g_en = given()
            else:
                g_ko = rng.choice(SYLLABLES) + rng.choice(SYLLABLES)
                g_en = f"h{rng.randrange(10_000)}"
            name = sur + g_ko
            local = f"{ROMAN_SURNAME[sur]}.{g_en}{rng.randrange(100)}"
        elif roll < 0.80:  # a Korean person written in Latin letters
            sur = surname()
            g_ko, g_en = given()
            name = f"{ROMAN_SURNAME[sur].capitalize()} {g_en.capitalize()}"
            local = f"{g_en}{ROMAN_SURNAME[sur]}{rng.randrange(1000)}"
        elif roll < 0.92:  # a foreign person
            first = rng.choice(EN_FIRST)
            last = en_last()
            name = f"{first} {last}"
            local = f"{first.lower()}.{last.lower()}{rng.randrange(1000)}"
        else:  # a company
            kind = "company"
            gender = ""
            word = rng.choice(COMPANY_WORDS)
            name = f"{word} {rng.choice(COMPANY_SUFFIX)} {rng.randrange(1, 2000)}"
            if rng.random() < 0.3:
                name = "(주)" + name
            local = f"info{rng.randrange(100_000)}"
        email = "" if rng.random() < 0.08 else f"{local}@{domain()}"
        p = rng.random()
        if p < 0.75:
            phone = f"010-{rng.randrange(10_000):04d}-{rng.randrange(10_000):04d}"
        elif p < 0.85:
            phone = f"02-{rng.randrange(100, 10_000):04d}-{rng.randrange(10_000):04d}"
        elif p < 0.90:
            phone = f"+82 10-{rng.randrange(10_000):04d}-{rng.randrange(10_000):04d}"
        elif p < 0.93:
            phone = f"+1 {rng.randrange(200, 999)} 555 {rng.randrange(10_000):04d}"
        else:
            phone = ""
        digits = "".join(ch for ch in phone if ch.isdigit())
        if digits.startswith("82"):
            digits = "0" + digits[2:]
        e = rng.random()
        external_id = (
            f"ERP-{i:07d}"
            if e < 0.6
            else f"SHOP-{rng.randrange(10**9):09d}-{i}"
            if e < 0.8
            else None
        )
        created = start + step * i
        birth = (
            date(1950, 1, 1) + timedelta(days=rng.randrange(20_000)) if kind == "person" else None
        )
        yield (
            i, created, created, kind, external_id, name, email, phone, digits, gender, birth,
            region(), "", group_ids[group()], rng.choice(CHANNELS), status(),
            owner() if rng.random() < 0.92 else None,
            rng.random() < 0.6, rng.random() < 0.4, rng.random() < 0.2, rng.random() < 0.1,
            "{}", 1,
        )  # fmt: skip


# ---------------------------------------------------------------------------------------
# One database, in a child process (Django settings are per process).


def django_setup_for(db: str, rows: int, *, pg_db: str, sqlite_stem: str) -> None:
    """Point Django at the benchmark database of ``db`` for ``rows`` rows and set it up.

    Other sizes (quick trial runs) get their own database so the big one stays loaded.
    Shared by the benchmarks that keep a large database between runs.
    """
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["DANGOL_DATA_DIR"] = str(BENCH_DIR)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dangol.config.settings"
    if db == "postgres":
        import psycopg

        name = pg_db if rows == ROWS else f"{pg_db}_{rows}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not found:
                conn.execute(f"CREATE DATABASE {name}")
        os.environ["DATABASE_URL"] = f"{PG_SERVER}/{name}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DIR / f'{sqlite_stem}-{rows}.sqlite3'}"
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def _setup_django(db: str, rows: int) -> None:
    django_setup_for(db, rows, pg_db=PG_DB, sqlite_stem="customers")


def _ensure_data(rows: int, *, reload: bool) -> dict:
    """Load the users and ``rows`` customers unless they are already there."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection, transaction

    from dangol.accounts.models import Team, User
    from dangol.core import bulk
    from dangol.customers.models import Customer, CustomerGroup

    call_command("migrate", verbosity=0)
    have = Customer.objects.count()
    users = User.objects.filter(username__startswith="bench_sales_").count()
    if have == rows and users == SALES_USERS and not reload:
        return {"loaded_s": None}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE customers_customerscore, customers_customer CASCADE")
        else:
            cursor.execute("DELETE FROM customers_customerscore")
            cursor.execute("DELETE FROM customers_customer")
    sales_group = Group.objects.get(name="sales")
    manager_group = Group.objects.get(name="manager")
    owners = []
    for t in range(TEAMS):
        team, _ = Team.objects.get_or_create(name=f"Bench team {t + 1}")
        manager, _ = User.objects.get_or_create(username=f"bench_manager_{t + 1}", team=team)
        manager.groups.add(manager_group)
        for s in range(SALES_USERS // TEAMS):
            user, _ = User.objects.get_or_create(
                username=f"bench_sales_{t * (SALES_USERS // TEAMS) + s + 1:02d}", team=team
            )
            user.groups.add(sales_group)
            owners.append(user.pk)
    User.objects.get_or_create(username="bench_admin", is_superuser=True, is_staff=True)
    group_ids = {}
    for code, name, name_ko, _share in GROUPS:
        g, _ = CustomerGroup.objects.get_or_create(
            code=code, defaults={"name": name, "name_ko": name_ko}
        )
        group_ids[code] = g.pk
    with transaction.atomic():
        bulk.bulk_insert(
            table="customers_customer",
            columns=COLUMNS,
            rows=generate_rows(rows, group_ids=group_ids, owners=owners),
        )
        bulk.reset_sequence(table="customers_customer")
    loaded = time.perf_counter() - started
    analyzed = time.perf_counter()
    _analyze()
    return {"loaded_s": round(loaded, 1), "analyze_s": round(time.perf_counter() - analyzed, 1)}


def _analyze() -> None:
    from dangol.core import bulk

    analyze = getattr(bulk, "analyze_tables", None)
    if analyze is not None:
        analyze(tables=["customers_customer", "customers_customer_fts"])


def _timed(fn, *, runs: int, warmup: int = 1) -> dict:
    for _ in range(warmup):
        fn()
    times, cpu = [], []
    result = None
    for _ in range(runs):
        c0 = time.process_time()
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    # CPU time of this process: on SQLite (in process) it shows the work without the wait
    # for a core when other jobs share the machine; on PostgreSQL it leaves out the server.
    return {
        "p50": statistics.median(times),
        "max": max(times),
        "cpu_p50": statistics.median(cpu),
        "result": result,
    }


def _cases(rows: int) -> list[dict]:
    """Return the benchmark cases, with values taken from the loaded data."""
    from dangol.accounts.models import User
    from dangol.customers.models import Customer

    def probe(pk: int) -> Customer:
        return Customer.objects.filter(pk__gte=pk, email__gt="").exclude(external_id=None)[0]

    person = Customer.objects.filter(
        pk__gte=rows * 2 // 5, name__startswith="김", phone__startswith="010"
    )
    person = person.exclude(email="").exclude(external_id=None).order_by("pk").first()
    other = probe(rows * 7 // 9)
    sales = User.objects.get(username="bench_sales_07")
    deep = Customer.objects.order_by("-id").values_list("id", flat=True)[rows // 2]
    digits = person.phone_digits
    rare_first = Customer.objects.filter(name__startswith="Zabriskie").exists()
    cases = [
        {"case": "first page", "kw": {}},
        {"case": f"deep page ({rows // 2:,} in)", "kw": {"after": deep}, "page": rows // 50 + 1},
        {"case": "filter kind=company", "kw": {"filters": {"kind": "company"}}},
        {"case": "filter group=wholesale", "kw": {"filters": {"customer_group": "wholesale"}}},
        {"case": "filter region=sejong", "kw": {"filters": {"region": "sejong"}}},
        {"case": "filter status=churned", "kw": {"filters": {"status": "churned"}}},
        {"case": "filter owner (admin)", "kw": {"filters": {"owner": sales.pk}}},
        {
            "case": "group+region+status",
            "kw": {"filters": {"customer_group": "wholesale", "region": "busan", "status": "lead"}},
        },
        {
            "case": "rare combination (vip+sejong+churned)",
            "kw": {"filters": {"customer_group": "vip", "region": "sejong", "status": "churned"}},
        },
        {"case": "sales user: own customers", "kw": {}, "user": "sales"},
        {
            "case": "sales user: own + region=busan",
            "kw": {"filters": {"region": "busan"}},
            "user": "sales",
        },
        {"case": "manager: team's customers", "kw": {}, "user": "manager"},
        {"case": "manager: search 'kimb'", "kw": {"query": "kimb"}, "user": "manager"},
        {"case": "search '김' (1 char, ~21%)", "kw": {"query": "김"}},
        {"case": "search 'Kim' (~20% via email)", "kw": {"query": "Kim"}},
        {"case": "search 'kimb' (rare substring)", "kw": {"query": "kimb"}},
        {
            "case": "search 'Zabriskie' (rarest)" if rare_first else "search 'zabri'",
            "kw": {"query": "abrisk"},
        },
        {"case": f"search full name '{person.name}'", "kw": {"query": person.name}},
        {"case": "search '민준' (2 chars, prefix)", "kw": {"query": "민준"}},
        {"case": "search 'ILLIAM' (English, any case)", "kw": {"query": "ILLIAM"}},
        {"case": "search email full (upper case)", "kw": {"query": other.email.upper()}},
        {"case": "search email prefix", "kw": {"query": other.email.split("@")[0][:8] + "@"}},
        {"case": "search email local part", "kw": {"query": other.email.split("@")[0][:7]}},
        {"case": "search phone 010-xxxx-xxxx", "kw": {"query": person.phone}},
        {"case": "search phone digits", "kw": {"query": digits}},
        {"case": "search phone +82 format", "kw": {"query": "+82 " + person.phone[1:]}},
        {"case": "search phone prefix '010-12'", "kw": {"query": "010-12"}},
        {"case": "search external id full", "kw": {"query": person.external_id}},
        {"case": "search external id prefix", "kw": {"query": person.external_id[:9]}},
        {
            "case": "search '김' + region=busan",
            "kw": {"query": "김", "filters": {"region": "busan"}},
        },
        {
            "case": "search 'Kim' + wholesale+customer",
            "kw": {
                "query": "Kim",
                "filters": {"customer_group": "wholesale", "status": "customer"},
            },
        },
        {
            "case": "search '이서연' + rare combination",
            "kw": {"query": "이서연", "filters": {"customer_group": "vip", "region": "sejong"}},
        },
        {"case": "sales user: search '김'", "kw": {"query": "김"}, "user": "sales"},
        {"case": "sales user: search 'Kim'", "kw": {"query": "Kim"}, "user": "sales"},
        {"case": "sales user: search phone", "kw": {"query": person.phone}, "user": "sales"},
        {"case": "search deep page '김'", "kw": {"query": "김", "after": deep}},
    ]
    return cases


def _baseline(*, user, query: str, filters, page: int):
    """The straightforward Django list: OFFSET pages, a COUNT, icontains over four columns."""
    from django.core.paginator import Paginator
    from django.db.models import Q

    from dangol.customers import permissions
    from dangol.customers.models import Customer

    qs = permissions.restrict_visible(Customer.objects.all(), user)
    if filters is not None:
        qs = filters.apply(qs)
    if query:
        qs = qs.filter(
            Q(name__icontains=query)
            | Q(email__icontains=query)
            | Q(phone__icontains=query)
            | Q(external_id__icontains=query)
        )
    qs = qs.select_related("customer_group", "owner").order_by("-id")
    paginator = Paginator(qs, 25)
    result = paginator.get_page(page)
    items = list(result.object_list)
    return paginator.count, [c.pk for c in items]


def run_one(db: str, args) -> dict:
    """Load (if needed) and measure one database; return the results."""
    _setup_django(db, args.rows)
    from django.db import connection
    from django.test import Client

    from dangol.accounts.models import User
    from dangol.customers.selectors import CustomerFilters, customer_list

    info = _ensure_data(args.rows, reload=args.reload)
    admin = User.objects.get(username="bench_admin")
    sales = User.objects.get(username="bench_sales_07")
    manager = User.objects.get(username="bench_manager_1")
    users = {"admin": admin, "sales": sales, "manager": manager}
    if args.explain:
        _explain(args.explain, admin)
        return {}
    cases = _cases(args.rows)
    if args.only:
        cases = [c for c in cases if args.only.lower() in c["case"].lower()]
    clients = {}
    try:
        from django.urls import reverse

        url = reverse("customers:list")
        for name, user in users.items():
            client = Client()
            client.force_login(user)
            clients[name] = client
    except Exception:  # the view is optional for the benchmark
        url = None
    results = []
    load_start = os.getloadavg()
    for case in cases:
        user = users[case.get("user", "admin")]
        kw = dict(case["kw"])
        filters = CustomerFilters(**kw.pop("filters")) if "filters" in kw else None
        row = {"case": case["case"]}

        def call(user=user, kw=kw, filters=filters):
            page = customer_list(user=user, filters=filters, **kw)
            return [c.pk for c in page.items]

        timing = _timed(call, runs=args.runs)
        row.update(
            p50=timing["p50"],
            max=timing["max"],
            cpu_p50=timing["cpu_p50"],
            found=len(timing["result"]),
        )
        if url is not None:
            params = {"q": kw.get("query", "")}
            if filters is not None:
                params.update(
                    kind=filters.kind,
                    group=filters.customer_group,
                    region=filters.region,
                    status=filters.status,
                    owner=filters.owner or "",
                )
            if kw.get("after"):
                params["after"] = kw["after"]
            client = clients[case.get("user", "admin")]
            server = []

            def view(client=client, params=params, server=server):
                response = client.get(url, params)
                assert response.status_code == 200, response.status_code
                server.append(float(response["Server-Timing"].split("dur=")[1]))

            vt = _timed(view, runs=args.runs)
            row.update(view_p50=vt["p50"], view_max=vt["max"], view_cpu_p50=vt["cpu_p50"])
            row.update(server_p50=statistics.median(server[1:]), server_max=max(server[1:]))
        if not args.no_baseline:
            bt = _timed(
                lambda user=user, kw=kw, filters=filters, case=case: _baseline(
                    user=user, query=kw.get("query", ""), filters=filters, page=case.get("page", 1)
                ),
                runs=args.baseline_runs,
            )
            row.update(base_p50=bt["p50"], base_max=bt["max"])
            # Same first page as the baseline (the baseline has no cursor, only page 1).
            if case.get("page") is None and not kw.get("after"):
                expected = bt["result"][1]
                row["same_as_baseline"] = expected == timing["result"]
        results.append(row)
        print(_fmt_row(row), file=sys.stderr, flush=True)
    return {
        "db": db,
        "vendor": connection.vendor,
        "loadavg_end": os.getloadavg(),
        "loadavg_start": load_start,
        "rows": args.rows,
        "runs": args.runs,
        **info,
        "results": results,
    }


def _explain(query: str, user) -> None:
    """Print the plan of every query ``customer_list`` runs for ``query``."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from dangol.customers.selectors import customer_list

    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        customer_list(user=user, query=query)
    with connection.cursor() as cursor:
        for q in ctx.captured_queries:
            sql = q["sql"]
            print(f"-- {q['time']}s\n{sql}")
            prefix = (
                "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
            )
            cursor.execute(prefix + sql)
            for row in cursor.fetchall():
                print("   ", row)


def _fmt_row(row: dict) -> str:
    parts = [f"{row['case']:<42} {row['p50']:8.1f} {row['max']:8.1f}"]
    if "server_p50" in row:
        parts.append(f"view {row['server_p50']:7.1f} {row['server_max']:7.1f}")
    if "base_p50" in row:
        parts.append(f"base {row['base_p50']:8.1f} x{row['base_p50'] / row['p50']:.0f}")
    if row.get("same_as_baseline") is False:
        parts.append("DIFFERS FROM BASELINE")
    return "  ".join(parts)


def markdown(report: dict) -> str:
    """Return the results of one database as a Markdown table."""
    lines = [
        "| case | selector p50 ms | selector max ms | selector CPU p50 ms | view p50 ms "
        "| view max ms | view CPU p50 ms | baseline p50 ms | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        view = (
            f"{r['server_p50']:.1f} | {r['server_max']:.1f} | {r['view_cpu_p50']:.1f}"
            if "server_p50" in r
            else "- | - | -"
        )
        base = (
            f"{r['base_p50']:.0f} | {r['base_p50'] / r['p50']:.0f}x" if "base_p50" in r else "- | -"
        )
        lines.append(
            f"| {r['case']} | {r['p50']:.1f} | {r['max']:.1f} | {r['cpu_p50']:.1f} "
            f"| {view} | {base} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline-runs", type=int, default=5)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--reload", action="store_true", help="load the data again")
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument("--explain", default="", help="print the plans for one search")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child or args.explain:
        report = run_one(args.db, args)
        if report:
            print(json.dumps(report))
        return
    reports = []
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        cmd = [sys.executable, __file__, "--child", "--db", db, *_drop_db(sys.argv[1:])]
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout  # noqa: S603
        reports.append(json.loads(out.strip().splitlines()[-1]))
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / "customer-list-results.json").write_text(json.dumps(reports, indent=1))
    for report in reports:
        print(f"\n### {report['vendor']} ({report['rows']:,} customers, {report['runs']} runs)")
        start, end = report["loadavg_start"][0], report["loadavg_end"][0]
        print(f"machine load average {start:.1f} at the start, {end:.1f} at the end")
        if report.get("loaded_s"):
            print(f"loaded in {report['loaded_s']} s, analysed in {report['analyze_s']} s")
        print(markdown(report))


def _drop_db(argv: list[str]) -> list[str]:
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "--db":
            skip = True
            continue
        if a.startswith("--db="):
            continue
        out.append(a)
    return out


if __name__ == "__main__":
    main()
