"""Run OLAP queries against the warehouse: the one read entry point for API, CLI and UI."""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from dangol.analytics.engines import DuckDBEngine, engine_for
from dangol.analytics.olap.model import OlapQuery
from dangol.analytics.olap.rollups import olap_rollups_available
from dangol.analytics.olap.sql import query_sql
from dangol.analytics.warehouse.connection import warehouse_connect


@dataclass(frozen=True)
class OlapResult:
    """The rows of a query, with the column names and the tables that answered it."""

    columns: list[str]
    rows: list[tuple]
    dimensions: list[str]
    sources: list[str]
    seconds: float

    def as_records(self) -> list[dict[str, Any]]:
        """Return the rows as dicts, money as strings (exact), counts as integers."""
        return [
            {name: _plain(value) for name, value in zip(self.columns, row, strict=True)}
            for row in self.rows
        ]

    def to_json(self) -> str:
        """Return the result document the API and the CLI print."""
        return json.dumps(
            {"columns": self.columns, "rows": self.as_records(), "sources": self.sources},
            ensure_ascii=False,
            indent=2,
        )

    def to_csv(self) -> str:
        """Return the rows as CSV with a header row."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow(["" if v is None else _plain(v) for v in row])
        return buffer.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def olap_query_run(*, query: OlapQuery, con=None, use_rollups: bool = True) -> OlapResult:
    """Return the result of ``query``, from rollups where they cover it, else the facts.

    :param query: a validated query (``olap_query_parse``).
    :param con: an open DuckDB connection to a warehouse, or an analytics engine (e.g.
        Spark over a Parquet export); default: the current warehouse, opened read-only and
        closed afterwards.
    :param use_rollups: False reads the fact table only (to check the rollups). Rollups
        live in the DuckDB warehouse file; other engines always read the facts.
    :raises WarehouseMissing: before the first refresh.
    """
    own = con is None
    if own:
        con = warehouse_connect(read_only=True)
    try:
        started = time.perf_counter()
        engine = engine_for(con)
        rollups = []
        if use_rollups and isinstance(engine, DuckDBEngine):
            rollups = [rollup for rollup, _count in olap_rollups_available(engine.con)]
        sql, params, columns, sources = query_sql(query, rollups)
        rows = engine.rows(sql, params)
        seconds = time.perf_counter() - started
    finally:
        if own:
            con.close()
    return OlapResult(
        columns=columns,
        rows=rows,
        dimensions=[d.value for d in query.by],
        sources=sources,
        seconds=seconds,
    )
