"""The DuckDB engine: the warehouse file itself, the SQL run as written."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from dangol.analytics.engines.base import Params


class DuckDBEngine:
    """Run the analytics on an open DuckDB connection (the caller keeps owning it)."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def arrow(self, sql: str, params: Params = None) -> pa.Table:
        relation = self.con.sql(sql, params=params)
        # DuckDB 2 renamed ``arrow()`` to ``to_arrow_table()``.
        fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
        return fetch()

    def rows(self, sql: str, params: Params = None) -> list[tuple]:
        return self.con.execute(sql, params).fetchall()

    def has_table(self, name: str) -> bool:
        found = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchall()
        return bool(found[0][0])

    def close(self) -> None:
        """Leave the connection open: it belongs to the caller."""
