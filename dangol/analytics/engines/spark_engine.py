"""The Spark engine: the Parquet export as temporary views, the SQL transpiled by sqlglot.

    engine = spark_engine("/data/export")                    # local[2], for tests and laptops
    engine = spark_engine("s3a://bucket/wh", master="spark://head:7077")    # a cluster
    engine = spark_engine("/data/export", remote="sc://head:15002")         # Spark Connect

The directory holds ``<table>.parquet`` files (``dangol warehouse export --format parquet``);
each becomes a temporary view of the same name, and ``fact_sales_valid`` is defined from the
warehouse's own view DDL (transpiled too). Queries are written once in DuckDB's dialect and
transpiled to Spark SQL by sqlglot; parameters stay parameters (Spark's ``:name``/``?``
markers with ``args``), never text pasted into the SQL.
"""

from __future__ import annotations

import contextlib
import functools
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from dangol.analytics.engines.base import Params
from dangol.analytics.warehouse import schema

# Tables the engine looks for beside the exported ones (built by the analytics themselves).
EXTRA_TABLES = ("customer_summary", "customer_summary_state")

DEFAULT_MASTER = "local[2]"


def _spark_fixups(node: exp.Expression) -> exp.Expression:
    """Rewrite the few DuckDB constructs sqlglot leaves as they are.

    ``AS MATERIALIZED`` on a CTE is a DuckDB planning hint Spark has no syntax for;
    ``isoyear(d)`` is ``EXTRACT(YEAROFWEEK FROM d)`` in Spark.
    """
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "isoyear":
        return exp.Extract(this=exp.var("YEAROFWEEK"), expression=node.expressions[0])
    return node


@functools.lru_cache(maxsize=256)
def to_spark_sql(sql: str) -> str:
    """Return ``sql`` (DuckDB dialect) as Spark SQL; cached, the texts are few and fixed."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    return tree.transform(_spark_fixups).sql(dialect="spark")


def _is_local(location: str) -> bool:
    return "://" not in location or location.startswith("file://")


def spark_session(*, master: str | None = None, remote: str | None = None, app: str = "dangol"):
    """Return a SparkSession: Spark Connect if ``remote`` (or SPARK_REMOTE), else ``master``.

    A local master binds to 127.0.0.1, runs without the web UI, with one shuffle
    partition per core and without adaptive execution (small data); a cluster master
    keeps the cluster's own defaults.
    """
    from pyspark.sql import SparkSession

    remote = remote or os.environ.get("SPARK_REMOTE")
    if remote:
        return SparkSession.builder.remote(remote).appName(app).getOrCreate()
    master = master or os.environ.get("SPARK_MASTER") or DEFAULT_MASTER
    builder = (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
    )
    if master.startswith("local"):
        cores = master.removeprefix("local").strip("[]")
        cores = cores if cores.isdigit() else "2"
        # Small data on a few cores: one shuffle partition per core, and no adaptive
        # re-planning between stages (measured: a third less wall time per query here).
        builder = (
            builder.config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", cores)
            .config("spark.default.parallelism", cores)
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
        )
    return builder.getOrCreate()


class SparkEngine:
    """Run the analytics on Spark over a directory of Parquet files, one per table."""

    name = "spark"

    def __init__(self, session: Any, location: str | os.PathLike, *, own_session: bool = False):
        self.spark = session
        self.location = str(location).rstrip("/")
        self.own_session = own_session
        self.tables: set[str] = set()
        self._register()

    def _register(self) -> None:
        if _is_local(self.location):
            folder = Path(self.location.removeprefix("file://"))
            if not folder.is_dir():
                raise FileNotFoundError(f"No Parquet export at {folder}")
            names = sorted(p.name.removesuffix(".parquet") for p in folder.glob("*.parquet"))
        else:
            names = [*schema.EXPORT_TABLES, *EXTRA_TABLES]
        for table in names:
            try:
                frame = self.spark.read.parquet(f"{self.location}/{table}.parquet")
            except Exception:
                # In a remote store a missing table is just not exported; locally the
                # file was listed, so a failure is real.
                if _is_local(self.location):
                    raise
                continue
            frame.createOrReplaceTempView(table)
            self.tables.add(table)
        for view, ddl in schema.VIEW_DDL.items():
            select = sqlglot.parse_one(ddl, read="duckdb").expression
            if all(t.name in self.tables for t in select.find_all(exp.Table)):
                self.spark.sql(select.sql(dialect="spark")).createOrReplaceTempView(view)
                self.tables.add(view)

    def _frame(self, sql: str, params: Params):
        text = to_spark_sql(sql)
        if params is None or len(params) == 0:
            return self.spark.sql(text)
        return self.spark.sql(text, args=params)

    def arrow(self, sql: str, params: Params = None) -> pa.Table:
        return self._frame(sql, params).toArrow()

    def rows(self, sql: str, params: Params = None) -> list[tuple]:
        return [tuple(row) for row in self._frame(sql, params).collect()]

    def has_table(self, name: str) -> bool:
        return name in self.tables

    def close(self) -> None:
        """Drop the views; stop the session if this engine started it."""
        for table in self.tables:
            self.spark.catalog.dropTempView(table)
        self.tables.clear()
        if self.own_session:
            self.spark.stop()


def spark_engine(
    location: str | os.PathLike,
    *,
    master: str | None = None,
    remote: str | None = None,
    session: Any = None,
) -> SparkEngine:
    """Return a Spark engine over the Parquet export at ``location``.

    :param location: a local directory or a URL Spark can read (``hdfs://``, ``s3a://``).
    :param master: ``local[N]`` (default ``local[2]``, or SPARK_MASTER) or ``spark://host:port``.
    :param remote: a Spark Connect URL ``sc://host:port`` (or SPARK_REMOTE).
    :param session: a SparkSession to use; default the one active in this process, else a
        new one. ``close`` stops only a session the engine started.
    """
    own = False
    if session is None:
        from pyspark.sql import SparkSession

        # A session already running in this process (a notebook, a test) is borrowed.
        session = SparkSession.getActiveSession()
        if session is None:
            session, own = spark_session(master=master, remote=remote), True
    if not own:
        # Temporary views belong to a session: a borrowed one gets a child session (same
        # cluster connection), so two engines over two exports never see each other's.
        with contextlib.suppress(Exception):  # Spark Connect sessions have no children
            session = session.newSession()
    return SparkEngine(session, location, own_session=own)
