"""The customer list and search read through indexes, never by reading the whole table.

At 1,000,000 customers a full scan costs hundreds of milliseconds (benchmarks/
bench_customer_list.py); these tests read the query plans on a few thousand rows, so a
change that loses an index fails here rather than in production.
"""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangol.core.bulk import analyze_tables
from dangol.customers import selectors
from dangol.customers.models import Customer, CustomerGroup
from dangol.customers.selectors import CustomerFilters, customer_list

pytestmark = pytest.mark.django_db

ROWS = 3000
SURNAMES = ["김", "이", "박", "최", "정"]
GIVEN = ["민준", "서연", "지훈", "하은", "도윤", "수빈"]
REGIONS = ["seoul", "gyeonggi", "busan", "daegu", "incheon", "sejong"]
# Rare terms: a term's own index is the fast path for them.
RARE_SEARCHES = [
    "kimball",  # a name substring (trigram index)
    "zed.rare@example.kr",  # a full email
    "zed.ra",  # an email prefix (and name substring)
    "010-9999-12",  # a phone prefix
    "EXT-0000123",  # an external id
    "Zz",  # a short name prefix
]


@pytest.fixture
def many_customers(sales):
    group = CustomerGroup.objects.create(code="retail", name="Retail")
    names = itertools.cycle(s + g for s in SURNAMES for g in GIVEN)
    customers = [
        Customer(
            name=next(names),
            email=f"person{i}@example.kr",
            phone=f"010-{i:04d}-0000",
            phone_digits=f"010{i:04d}0000",
            external_id=f"EXT-{i:07d}",
            region=REGIONS[i % len(REGIONS)],
            customer_group=group,
            owner=sales if i % 10 == 0 else None,
        )
        for i in range(ROWS)
    ]
    customers.append(Customer(name="John Kimball", email="zed.rare@example.kr"))
    customers.append(
        Customer(name="Zzang Store", phone="010-9999-1234", phone_digits="01099991234")
    )
    Customer.objects.bulk_create(customers, batch_size=500)
    analyze_tables(tables=["customers_customer", "customers_customer_fts"])
    return customers


def _plans(run) -> list[tuple[str, str]]:
    """Run ``run`` and return (sql, plan text) of each customer query it made."""
    with CaptureQueriesContext(connection) as ctx:
        run()
    plans = []
    with connection.cursor() as cursor:
        for query in ctx.captured_queries:
            sql = query["sql"]
            if "customers_customer" not in sql.split(" WHERE ")[0]:
                continue
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                plan = "\n".join(row[3] for row in cursor.fetchall())
            plans.append((sql, plan))
    return plans


def _full_scans(plans) -> list[str]:
    """Return the plans that read the customer table without an index."""
    if connection.vendor == "postgresql":
        return [p for _, p in plans if "Seq Scan on customers_customer " in p + " "]
    return [
        p
        for _, p in plans
        if any(line.strip() == "SCAN customers_customer" for line in p.splitlines())
    ]


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite query plans")
@pytest.mark.parametrize("query", RARE_SEARCHES)
def test_sqlite_rare_search_reads_indexes(admin_user, many_customers, query):
    plans = _plans(lambda: customer_list(user=admin_user, query=query))
    assert len(plans) >= 2  # at least one branch and the page
    assert _full_scans(plans) == []
    fts = [p for sql, p in plans if "customers_customer_fts MATCH" in sql]
    for plan in fts:  # the FTS index delivers rows newest first: no sort of all matches
        assert "VIRTUAL TABLE INDEX" in plan and "TEMP B-TREE" not in plan


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite query plans")
def test_sqlite_common_term_walks_the_list_and_stops(admin_user, many_customers, monkeypatch):
    # '김' starts a fifth of the names: rather than sort them all, walk ids newest first.
    # (The threshold is scaled to this table: 600 matches here stand for 200,000.)
    monkeypatch.setattr(selectors, "DENSE_BRANCH_ROWS", 200)
    plans = _plans(lambda: customer_list(user=admin_user, query="김"))
    walks = [p for sql, p in plans if '+"customers_customer"."name"' in sql]
    assert len(walks) == 1
    assert "TEMP B-TREE" not in walks[0]
    page = customer_list(user=admin_user, query="김")
    assert len(page.items) == 25 and all(c.name.startswith("김") for c in page.items)


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite query plans")
@pytest.mark.parametrize("query", ["", "김", "kimball", "010-9999"])
def test_sqlite_filtered_list_and_sales_view_read_indexes(admin_user, sales, many_customers, query):
    plans = _plans(lambda: customer_list(user=sales, query=query))
    plans += _plans(
        lambda: customer_list(user=admin_user, query=query, filters=CustomerFilters(region="busan"))
    )
    assert _full_scans(plans) == []


@pytest.mark.postgres
@pytest.mark.parametrize("query", [*RARE_SEARCHES, "김", ""])
def test_postgresql_search_and_filters_can_use_indexes(admin_user, sales, many_customers, query):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # usable, not merely preferred
    plans = _plans(lambda: customer_list(user=admin_user, query=query))
    plans += _plans(lambda: customer_list(user=sales, query=query))
    plans += _plans(
        lambda: customer_list(user=admin_user, query=query, filters=CustomerFilters(region="busan"))
    )
    assert plans
    assert _full_scans(plans) == []


def test_analyze_tables_records_planner_statistics(many_customers):
    # The fixture ran ``analyze_tables``; the plans above rely on what it recorded.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'customers_customer'")
            assert cursor.fetchone()[0] == ROWS + 2
        else:
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = 'customer_region_id'")
            # rows, then rows per region (rounded up): six regions and the blank of the
            # two extra customers
            per_region = -(-(ROWS + 2) // (len(REGIONS) + 1))
            assert cursor.fetchone()[0] == f"{ROWS + 2} {per_region} 1"


def _executed_rows(plan: dict, relation: str) -> int:
    """Return the rows of ``relation`` that the executed plan read, over every node."""
    own = 0
    if plan.get("Relation Name") == relation:
        loops = plan.get("Actual Loops", 0)
        own = (plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)) * loops
    return own + sum(_executed_rows(child, relation) for child in plan.get("Plans", []))


def _rows_read(sql: str, params) -> int:
    """Return the customer rows that running ``sql`` reads (EXPLAIN ANALYZE)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        executed = cursor.fetchone()[0][0]["Plan"]
    return _executed_rows(executed, "customers_customer")


def _base_sql() -> tuple[str, tuple]:
    base = Customer.objects.filter(deleted_at__isnull=True)
    return base.values(*selectors._SEARCHED_COLUMNS).query.sql_with_params()


def _branch_rows_read(branch) -> int:
    """Return the customer rows one search branch reads: its own queries and its subquery."""
    condition = selectors._like_condition(branch)
    with CaptureQueriesContext(connection) as ctx:
        (matches,) = selectors._match_counts([condition])
        found = selectors._branch_postgresql(
            _base_sql(), condition, matches=matches, size=25, after=None, before=None
        )
    # The captured SQL has its parameters inlined by psycopg's client-side binding.
    ran = sum(_rows_read(query["sql"], None) for query in ctx.captured_queries)
    return ran + (_rows_read(found.sql, found.params) if found.sql else 0)


@pytest.mark.postgres
def test_postgresql_prefix_of_the_oldest_customers_is_read_from_its_index(admin_user, monkeypatch):
    # The demo's order desks: a prefix common enough that the planner expects a page after
    # a few hundred rows of a walk newest first, but whose matches all sit among the oldest
    # ids, so its walk reads every row. The gated branch walks a bounded window, then
    # reads the prefix's matches from its index.
    desks = [Customer(name=f"Desk {i}", email=f"orderdesk{i}@example.kr") for i in range(600)]
    people = [Customer(name=f"Person {i}", email=f"person{i}@example.kr") for i in range(6000)]
    Customer.objects.bulk_create(desks + people, batch_size=1000)
    analyze_tables(tables=["customers_customer"])
    branch = selectors._Prefix("email", ("orderdesk",))
    base = Customer.objects.filter(deleted_at__isnull=True)
    planner = base.filter(email__startswith="orderdesk").order_by("-id").values("id")[:26]
    assert _rows_read(*planner.query.sql_with_params()) > 6000  # the premise: it walks all
    monkeypatch.setattr(selectors, "PG_FEW_MATCHES", 100)
    monkeypatch.setattr(selectors, "PG_WALK_ROWS", 1000)
    # The count of 100 matches, the newest id and the walk over the 1,000 ids below it
    # (none match), then the 600 matches sorted: ~1,700 rows. The bound leaves room for
    # rows an index scan filters out, which vary with the plan the statistics give (1,775
    # seen once in CI); what matters is that the branch does not read the table.
    table = len(desks) + len(people)
    assert _branch_rows_read(branch) < table // 2
    page = customer_list(user=admin_user, query="orderdesk")
    assert [c.pk for c in page.items] == [c.pk for c in reversed(desks)][:25]
    monkeypatch.setattr(selectors, "PG_FEW_MATCHES", 1000)
    # Fewer than 1,000: the count reads the 600 matches, then they are sorted (~1,200).
    assert _branch_rows_read(branch) < table // 2
    assert [c.pk for c in customer_list(user=admin_user, query="orderdesk").items] == [
        c.pk for c in page.items
    ]


@pytest.mark.postgres
def test_postgresql_name_prefix_count_reads_the_index_alone(many_customers):
    # The count that picks a short name prefix's path must not read the heap row by row.
    analyze_tables(tables=["customers_customer"])
    condition = selectors._like_condition(selectors._Prefix("name", ("김",), any_case=True))
    sql = (
        f'SELECT count(*) FROM (SELECT 1 FROM "customers_customer" b WHERE {condition[0]}'
        " LIMIT %s) m"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, [*condition[1], selectors.PG_FEW_MATCHES])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using customer_name_upper_prefix_incl" in plan
