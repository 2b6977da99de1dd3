"""Where the analytics SQL runs: one dialect (DuckDB) written once, several engines.

Every analysis (RFM, tiers, Pareto, the OLAP fact path) is SQL text in DuckDB's dialect
with ``$name`` or ``?`` parameters. An engine runs that text on its own data:

- ``DuckDBEngine``: an open DuckDB connection to a warehouse file (the default);
- ``SparkEngine``: Apache Spark over a Parquet export of the warehouse, the tables
  registered as temporary views under the same names; the SQL is transpiled to Spark SQL
  with sqlglot, so there is no second hand-written copy of any query.

Functions that take ``con`` accept either a DuckDB connection or an engine
(``engine_for`` wraps the former), so existing callers keep working unchanged.
"""

from __future__ import annotations

from dangol.analytics.engines.base import Engine, engine_for
from dangol.analytics.engines.duckdb_engine import DuckDBEngine

__all__ = ["DuckDBEngine", "Engine", "engine_for"]
