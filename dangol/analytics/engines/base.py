"""The engine interface the analytics call, and ``engine_for`` to accept plain connections."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

# Parameters as DuckDB takes them: a dict for ``$name`` markers, a list for ``?`` markers.
Params = dict[str, Any] | list[Any] | None


@runtime_checkable
class Engine(Protocol):
    """Run DuckDB-dialect SQL somewhere and hand back rows."""

    name: str

    def arrow(self, sql: str, params: Params = None) -> pa.Table:
        """Run ``sql`` and return its rows as a pyarrow Table."""

    def rows(self, sql: str, params: Params = None) -> list[tuple]:
        """Run ``sql`` and return its rows as tuples (decimals as ``Decimal``)."""

    def has_table(self, name: str) -> bool:
        """Return whether a table or view ``name`` is there to query."""

    def close(self) -> None:
        """Release what the engine opened itself."""


def engine_for(con: Any) -> Engine:
    """Return ``con`` if it is an engine, else wrap a DuckDB connection in one."""
    import duckdb

    from dangol.analytics.engines.duckdb_engine import DuckDBEngine

    if isinstance(con, duckdb.DuckDBPyConnection):
        return DuckDBEngine(con)
    if isinstance(con, Engine):
        return con
    raise TypeError(f"Not a DuckDB connection nor an analytics engine: {con!r}")
