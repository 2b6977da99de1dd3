"""One code path, two engines: RFM, tiers, Pareto and OLAP on DuckDB and on Spark agree.

The same small warehouse is queried as a DuckDB file and, through its Parquet export, on
Apache Spark in local mode (one session for this module). Results must be identical:
the same rows, in the same order, with equal values (money as exact decimals, counts as
integers, labels as text); the only floats (shares, Lorenz points, Gini) are divisions of
exact sums and must agree to 1e-12 relative.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import shutil
from decimal import Decimal
from io import StringIO

import duckdb
import pytest
from django.core.management import call_command
from django.test import override_settings

from dangol.analytics.engines import DuckDBEngine
from dangol.analytics.engines.spark_engine import to_spark_sql
from dangol.analytics.olap.model import olap_query_parse
from dangol.analytics.olap.rollups import olap_rollups_build
from dangol.analytics.olap.selectors import olap_query_run
from dangol.analytics.rfm import (
    FACTS,
    SUMMARY,
    SUMMARY_STATE_TABLE,
    SUMMARY_TABLE,
    customer_summary_build,
    rfm_distribution,
    rfm_migration,
    rfm_scores,
    rfm_source,
)
from dangol.analytics.tests.warehouse_fixture import publish_test_warehouse
from dangol.analytics.tiers import pareto, tier_summary, value_tiers
from dangol.analytics.warehouse.services import warehouse_export

AS_OF = dt.date(2025, 12, 31)
EARLIER = dt.date(2025, 6, 30)
WINDOW = 365
REGIONS = ("seoul", "busan", "incheon", "daegu")
GROUPS = ("retail", "wholesale", "vip")
CHANNELS = ("online", "store")


def sample_tables() -> dict:
    """Return 80 customers, 6 products, ~900 order lines over two years (seeded).

    Deliberately full of ties: many customers share an order count and a last order date,
    some share revenue to the won, so NTILE boundaries cut through runs of equal values.
    """
    rng = random.Random(4)
    customers = [
        {
            "customer_id": c,
            "gender": rng.choice(("F", "M", "")),
            "region": REGIONS[c % len(REGIONS)],
            "customer_group": GROUPS[(c // 4) % len(GROUPS)],
            "birth_date": dt.date(1950 + c % 50, 1 + c % 12, 1),
        }
        for c in range(1, 81)
    ]
    prices = ("1000", "2500", "5000", "1000", "12000", "300")
    products = [
        {
            "product_id": 10 + i,
            "category_path": f"Cat{i % 3} > Sub{i}",
            "unit_price": price,
            "unit_cost": str(Decimal(price) * Decimal("0.55")),
        }
        for i, price in enumerate(prices)
    ]
    sales, line, order = [], 0, 0
    start = dt.date(2024, 1, 1)
    for c in range(1, 81):
        if c % 13 == 0:
            continue  # never bought: outside RFM on every date
        for _ in range(1 + (c * 7) % 9):
            order += 1
            # Days on a 10-day grid: many equal recencies.
            day = start + dt.timedelta(days=10 * rng.randrange(0, 73))
            status = "cancelled" if rng.random() < 0.05 else "delivered"
            for _ in range(1 + rng.randrange(3)):
                line += 1
                product = products[rng.randrange(len(products))]
                sales.append(
                    {
                        "order_line_id": line,
                        "order_id": order,
                        "customer_id": c,
                        "product_id": product["product_id"],
                        "ordered_at": dt.datetime.combine(day, dt.time(9 + c % 10)),
                        "quantity": 1 + (c + line) % 3,
                        "unit_price": product["unit_price"],
                        "discount": "100" if line % 7 == 0 else "0",
                        "status": status,
                        "channel": CHANNELS[order % 2],
                    }
                )
    return {
        "customers": customers,
        "products": products,
        "sales": sales,
        "reference_date": AS_OF,
    }


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java runtime (java on PATH)")
    from dangol.analytics.engines.spark_engine import spark_session

    session = spark_session(master="local[1]", app="dangol-parity-test")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    """Return (facts-only DuckDB file, the same with summary and rollups, Parquet dirs)."""
    root = tmp_path_factory.mktemp("parity")
    path = publish_test_warehouse(root / "data", **sample_tables())
    export = root / "export"
    with override_settings(DATA_DIR=str(root / "data")):
        warehouse_export(directory=export)
    built = root / "built.duckdb"
    shutil.copyfile(path, built)
    with duckdb.connect(str(built)) as con:
        customer_summary_build(con=con, as_of=AS_OF, window_days=WINDOW)
        olap_rollups_build(con)
    # The Spark side of the summary path: the export plus the two summary tables.
    export_summary = root / "export-summary"
    shutil.copytree(export, export_summary)
    with duckdb.connect(str(built), read_only=True) as con:
        for table in (SUMMARY_TABLE, SUMMARY_STATE_TABLE):
            con.execute(f"COPY {table} TO '{export_summary / table}.parquet' (FORMAT parquet)")
    return {"facts": path, "built": built, "export": export, "export_summary": export_summary}


@pytest.fixture(scope="module")
def duck(warehouses):
    con = duckdb.connect(str(warehouses["facts"]), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def duck_built(warehouses):
    con = duckdb.connect(str(warehouses["built"]), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def sparky(spark, warehouses):
    from dangol.analytics.engines.spark_engine import spark_engine

    engine = spark_engine(warehouses["export"], session=spark)
    yield engine
    engine.close()


def _same_floats(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def _assert_records_equal(left: list[dict], right: list[dict], floats: tuple[str, ...] = ()):
    assert len(left) == len(right)
    for a, b in zip(left, right, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            if key in floats:
                assert _same_floats(a[key], b[key]), (key, a, b)
            else:
                assert a[key] == b[key], (key, a, b)
                assert type(a[key]) is type(b[key]), (key, a, b)


def _buyers_in_window() -> set[int]:
    """Customers with a valid order line in the window, counted in plain Python."""
    low = AS_OF - dt.timedelta(days=WINDOW)
    return {
        s["customer_id"]
        for s in sample_tables()["sales"]
        if s["status"] == "delivered" and low < s["ordered_at"].date() <= AS_OF
    }


def test_the_sample_is_not_trivial(duck):
    rows = rfm_scores(con=duck, as_of=AS_OF, window_days=WINDOW).to_pylist()
    assert [r["customer_id"] for r in rows] == sorted(_buyers_in_window())
    # Equal values straddle quintile boundaries: the customer-id tie-break is exercised.
    assert any(
        a["frequency"] == b["frequency"] and a["f_score"] != b["f_score"]
        for a in rows
        for b in rows
    )
    assert len({r["segment"] for r in rows}) >= 6


def test_rfm_is_identical_on_duckdb_and_spark(duck, sparky):
    on_duck = rfm_scores(con=duck, as_of=AS_OF, window_days=WINDOW).to_pylist()
    on_spark = rfm_scores(con=sparky, as_of=AS_OF, window_days=WINDOW).to_pylist()
    _assert_records_equal(on_duck, on_spark)
    _assert_records_equal(
        rfm_distribution(con=duck, as_of=AS_OF, window_days=WINDOW),
        rfm_distribution(con=sparky, as_of=AS_OF, window_days=WINDOW),
        floats=("share",),
    )
    assert rfm_migration(
        con=duck, date_from=EARLIER, date_to=AS_OF, window_days=WINDOW
    ) == rfm_migration(con=sparky, date_from=EARLIER, date_to=AS_OF, window_days=WINDOW)


def test_tiers_and_pareto_are_identical_on_duckdb_and_spark(duck, sparky):
    kwargs = {"as_of": AS_OF, "window_days": WINDOW}
    _assert_records_equal(
        value_tiers(con=duck, **kwargs).to_pylist(), value_tiers(con=sparky, **kwargs).to_pylist()
    )
    shares = ("customer_share", "revenue_share", "margin_share")
    on_duck = tier_summary(con=duck, **kwargs)
    _assert_records_equal(on_duck, tier_summary(con=sparky, **kwargs), floats=shares)
    n = len(_buyers_in_window())
    top, top_middle = math.floor(n * 0.2 + 0.5), math.floor(n * 0.7 + 0.5)
    assert [t["customers"] for t in on_duck] == [top, top_middle - top, n - top_middle]
    a, b = pareto(con=duck, points=20, **kwargs), pareto(con=sparky, points=20, **kwargs)
    lorenz = ("revenue_lorenz", "revenue_top", "margin_lorenz", "margin_top")
    _assert_records_equal(a.pop("lorenz"), b.pop("lorenz"), floats=lorenz)
    _assert_records_equal([a], [b], floats=tuple(a))
    assert 0 < a["gini_revenue"] < 1


def _typical_query():
    return olap_query_parse(
        measures=["revenue", "customers"],
        by=["region", "month", "customer_group"],
        date_from=dt.date(2024, 1, 1),
        date_to=dt.date(2025, 12, 31),
    )


def test_olap_query_is_identical_on_duckdb_and_spark(duck, duck_built, sparky):
    query = _typical_query()
    facts = olap_query_run(query=query, con=duck)
    on_spark = olap_query_run(query=query, con=sparky)
    from_rollup = olap_query_run(query=query, con=duck_built)
    assert facts.sources == ["fact"] and on_spark.sources == ["fact"]
    assert from_rollup.sources == ["olap_rollup_month_geo"]
    assert len(facts.rows) > 100
    columns = ["region", "month", "customer_group", "revenue", "customers"]
    assert facts.columns == on_spark.columns == columns
    assert facts.as_records() == on_spark.as_records() == from_rollup.as_records()
    # Filters travel as an array parameter; week labels use the ISO year on both engines.
    filtered = olap_query_parse(
        measures=["revenue", "orders"],
        by=["week"],
        filters={"customer_group": ["vip", "retail"], "region": ["seoul"]},
    )
    a, b = olap_query_run(query=filtered, con=duck), olap_query_run(query=filtered, con=sparky)
    assert a.rows and a.as_records() == b.as_records()
    assert a.rows[0][0] == "2024-W01"


def test_summary_gives_the_facts_answer_on_both_engines(duck, duck_built, spark, warehouses):
    from dangol.analytics.engines.spark_engine import spark_engine

    assert rfm_source(duck, AS_OF, WINDOW) == FACTS
    assert rfm_source(duck_built, AS_OF, WINDOW) == SUMMARY
    assert rfm_source(duck_built, EARLIER, WINDOW) == FACTS
    assert rfm_source(duck_built, AS_OF, WINDOW + 1) == FACTS
    kwargs = {"as_of": AS_OF, "window_days": WINDOW}
    expected = rfm_scores(con=duck, **kwargs).to_pylist()
    expected_tiers = value_tiers(con=duck, **kwargs).to_pylist()
    expected_pareto = pareto(con=duck, points=10, **kwargs)
    got = pareto(con=duck_built, points=10, **kwargs)
    _assert_records_equal(expected_pareto.pop("lorenz"), got.pop("lorenz"), floats=("x",))
    _assert_records_equal([expected_pareto], [got], floats=tuple(got))
    assert rfm_migration(con=duck_built, date_from=EARLIER, date_to=AS_OF, window_days=WINDOW) == (
        rfm_migration(con=duck, date_from=EARLIER, date_to=AS_OF, window_days=WINDOW)
    )
    engine = spark_engine(warehouses["export_summary"], session=spark)
    try:
        assert rfm_source(engine, AS_OF, WINDOW) == SUMMARY
        for con in (duck_built, engine):
            _assert_records_equal(expected, rfm_scores(con=con, **kwargs).to_pylist())
            _assert_records_equal(expected_tiers, value_tiers(con=con, **kwargs).to_pylist())
    finally:
        engine.close()


def test_analyze_command_on_spark_prints_what_duckdb_prints(spark, warehouses):
    args = ["--as-of", AS_OF.isoformat(), "--window-days", str(WINDOW), "--format", "csv"]
    for sub in (["rfm"],):
        on_duck, on_spark = StringIO(), StringIO()
        call_command(
            "analyze", *sub, *args, "--warehouse", str(warehouses["facts"]), stdout=on_duck
        )
        call_command(
            "analyze",
            *sub,
            *args,
            "--engine",
            "spark",
            "--parquet",
            str(warehouses["export"]),
            stdout=on_spark,
        )
        lines = on_duck.getvalue().splitlines()
        assert len(lines) > 3
        assert on_spark.getvalue().splitlines() == lines
    # The command borrowed the module's session and left it running.
    assert spark.range(1).count() == 1


def test_duckdb_connection_and_engine_are_interchangeable(duck):
    kwargs = {"as_of": AS_OF, "window_days": WINDOW}
    assert (
        rfm_scores(con=duck, **kwargs).to_pylist()
        == rfm_scores(con=DuckDBEngine(duck), **kwargs).to_pylist()
    )


def test_transpiled_sql_keeps_parameters_and_drops_duckdb_only_syntax():
    text = to_spark_sql(
        "WITH c AS MATERIALIZED (SELECT * FROM t WHERE d <= $as_of::DATE) "
        "SELECT isoyear(d), x // 2 FROM c WHERE list_contains(CAST(? AS VARCHAR[]), y)"
    )
    assert "MATERIALIZED" not in text
    assert "CAST(:as_of AS DATE)" in text
    assert "EXTRACT(YEAROFWEEK FROM d)" in text
    assert "ARRAY_CONTAINS(CAST(? AS ARRAY<STRING>), y)" in text
    assert "x DIV 2" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rfm", "--engine", "spark"], "--engine spark needs --parquet DIR"),
        (["profitability", "--by", "customer", "--engine", "spark", "--parquet", "x"], "DuckDB"),
        (["rfm", "--write-back", "--engine", "spark", "--parquet", "x"], "--write-back"),
    ],
)
def test_analyze_command_refuses_what_spark_cannot_do(args, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("analyze", *args, stdout=StringIO())
