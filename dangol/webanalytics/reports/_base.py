"""What every web-analytics report shares: the store connection, the parameters, the result.

Every report reads the DuckDB store (``dangol.webanalytics.schema``) read-only, with
parameterized SQL only: user values travel as ``$name`` parameters, and the few choices
that change the SQL's shape (a grouping column, a funnel's step count) are picked from
fixed whitelists, never spliced from what the user typed.

A report covers the days ``date_from`` to ``date_to`` (UTC, inclusive) and the previous
period of equal length just before it. Both periods are read in one scan (``FILTER``
clauses split them), and every measure comes as ``m``, ``m_prev`` and ``m_change``:
relative change for counts and amounts, percentage points for rates, ``None`` when the
previous figure is zero or missing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from django.utils.translation import gettext as _

from dangol.webanalytics.reports.errors import ReportParameterError

MAX_DAYS = 731
MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_PATH = 500
MAX_STEPS = 10


def store_path() -> Path:
    """Return the path of the web-analytics DuckDB file."""
    from dangol.webanalytics.store import web_store_path

    return web_store_path()


@contextlib.contextmanager
def _connect_read() -> Iterator[duckdb.DuckDBPyConnection | None]:
    """Yield a read-only connection to the store, or ``None`` when nothing was collected yet.

    ``web_store_read`` retries while the ingester holds the file's write lock.
    """
    from dangol.webanalytics.store import web_store_read

    if not store_path().exists():
        yield None
        return
    with web_store_read() as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        yield con if {"web_event", "web_visit"} <= tables else None


# --------------------------------------------------------------------------------------
# Parameters


@dataclass(frozen=True)
class Period:
    """The reported days and the previous period of equal length, as half-open times."""

    date_from: dt.date
    date_to: dt.date

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.date_from, dt.time())

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time())

    @property
    def prev_from(self) -> dt.date:
        return self.date_from - dt.timedelta(days=self.days)

    @property
    def prev_to(self) -> dt.date:
        return self.date_from - dt.timedelta(days=1)

    @property
    def prev_start(self) -> dt.datetime:
        return dt.datetime.combine(self.prev_from, dt.time())

    def sql_params(self) -> dict[str, Any]:
        """Return the period's bounds as parameters: times ``$prev``, ``$cur``, ``$end``
        (previous start, current start, end, half-open) and the same as days ``$prev_d``,
        ``$cur_d``, ``$end_d``; ``$since`` for rollup definitions read from raw tables."""
        return {
            "prev": self.prev_start,
            "cur": self.start,
            "end": self.end,
            "prev_d": self.prev_from,
            "cur_d": self.date_from,
            "end_d": self.date_to + dt.timedelta(days=1),
            "since": self.prev_start,
        }


class Sources:
    """What a report reads per rollup: the table when the store has rollups, else its
    defining query over the raw tables (same figures; see ``dangol.webanalytics.rollups``)."""

    def __init__(self, *, present: bool) -> None:
        self.present = present

    def __getitem__(self, name: str) -> str:
        from dangol.webanalytics.rollups import rollup_source

        return rollup_source(name, present=self.present)


def _error(message: str, name: str) -> ReportParameterError:
    return ReportParameterError(message, field=name)


def parse_date(value: Any, name: str) -> dt.date:
    """Return ``value`` (YYYY-MM-DD) as a date within 2000-2100, or raise naming ``name``."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    else:
        text = str(value).strip()
        try:
            if len(text) != 10:
                raise ValueError(text)
            day = dt.date.fromisoformat(text)
        except ValueError as exc:
            raise _error(
                _("“%(name)s” must be a date written YYYY-MM-DD.") % {"name": name}, name
            ) from exc
    if not MIN_DATE <= day <= MAX_DATE:
        raise _error(
            _("“%(name)s” must lie between %(low)s and %(high)s.")
            % {"name": name, "low": MIN_DATE, "high": MAX_DATE},
            name,
        )
    return day


def parse_period(data: Mapping[str, Any], *, today: dt.date) -> Period:
    """Return the period named by ``date_from``/``date_to`` (default: the last 30 days)."""
    raw_to, raw_from = data.get("date_to"), data.get("date_from")
    date_to = parse_date(raw_to, "date_to") if raw_to not in (None, "") else today
    if raw_from not in (None, ""):
        date_from = parse_date(raw_from, "date_from")
    else:
        date_from = date_to - dt.timedelta(days=29)
    if date_from > date_to:
        raise _error(_("“date_from” must not be after “date_to”."), "date_from")
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise _error(_("A report covers at most %(max)s days.") % {"max": MAX_DAYS}, "date_from")
    return Period(date_from, date_to)


def parse_choice(data: Mapping[str, Any], name: str, choices: tuple[str, ...]) -> str:
    """Return ``data[name]`` if it is one of ``choices`` (default: the first)."""
    value = data.get(name)
    if value in (None, ""):
        return choices[0]
    if value not in choices:
        raise _error(
            _("“%(name)s” must be one of: %(allowed)s.")
            % {"name": name, "allowed": ", ".join(choices)},
            name,
        )
    return str(value)


def parse_limit(data: Mapping[str, Any]) -> int:
    """Return the row limit (1 to MAX_LIMIT, default DEFAULT_LIMIT)."""
    value = data.get("limit")
    if value in (None, ""):
        return DEFAULT_LIMIT
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise _error(
            _("“limit” must be a whole number from 1 to %(max)s.") % {"max": MAX_LIMIT}, "limit"
        )
    return int(text)


@dataclass(frozen=True)
class PathMatch:
    """A page path to match: exactly, or as a prefix when written with a trailing ``*``."""

    path: str
    prefix: bool

    def __str__(self) -> str:
        return self.path + ("*" if self.prefix else "")


def parse_path(value: Any, name: str) -> PathMatch:
    """Return a URL path (starting with ``/``, printable, no query) as a ``PathMatch``."""
    text = str(value).strip() if value is not None else ""
    prefix = text.endswith("*")
    path = text[:-1] if prefix else text
    if (
        not path.startswith("/")
        or len(path) > MAX_PATH
        or any(c in path for c in "?#*")
        or not path.isprintable()
        or any(c.isspace() for c in path)
    ):
        raise _error(
            _(
                "“%(name)s” must be a page path starting with “/” (at most %(max)s characters, "
                "no spaces, query or “#”); end it with “*” to match every path under it."
            )
            % {"name": name, "max": MAX_PATH},
            name,
        )
    return PathMatch(path, prefix)


# --------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Column:
    """A shown (and exported) column; ``kind`` says how to format it."""

    key: str
    label: Any
    kind: str = "text"  # text, int, number, seconds, rate, change, points, money, customer


@dataclass
class Table:
    """One table of a report: columns and rows (dicts keyed by column key)."""

    name: str
    title: Any
    columns: list[Column]
    rows: list[dict]

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "title": str(self.title),
            "columns": [
                {"key": c.key, "label": str(c.label), "kind": c.kind} for c in self.columns
            ],
            "rows": self.rows,
        }


@dataclass
class Report:
    """A computed report: its period, KPIs (totals with comparison), tables, chart data."""

    slug: str
    period: Period
    totals: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    chart: dict | None = None
    has_data: bool = True

    def table(self, name: str | None = None) -> Table:
        if name is None:
            return self.tables[0]
        for table in self.tables:
            if table.name == name:
                return table
        raise _error(
            _("“table” must be one of: %(allowed)s.")
            % {"allowed": ", ".join(t.name for t in self.tables)},
            "table",
        )


def change(current: Any, previous: Any) -> float | None:
    """Return the relative change from ``previous`` to ``current``; None if undefined."""
    if current is None or previous is None or previous == 0:
        return None
    return round((float(current) - float(previous)) / float(previous), 6)


def points(current: Any, previous: Any) -> float | None:
    """Return the difference of two rates (percentage points as a fraction)."""
    if current is None or previous is None:
        return None
    return round(float(current) - float(previous), 6)


def ratio(numerator: Any, denominator: Any) -> float | None:
    """Return ``numerator / denominator`` rounded to 6 places; None when dividing by zero."""
    if not denominator or numerator is None:
        return None
    return round(float(numerator) / float(denominator), 6)


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict]:
    """Run ``sql`` with the named parameters it uses and return the rows as dicts."""
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
    cursor = con.execute(sql, used)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def compare_columns(key: str, label: Any, kind: str) -> list[Column]:
    """Return the three columns of a compared measure: value, previous, change."""
    change_kind = "points" if kind == "rate" else "change"
    return [
        Column(key, label, kind),
        Column(f"{key}_prev", _("%(measure)s, previous") % {"measure": label}, kind),
        Column(f"{key}_change", _("%(measure)s, change") % {"measure": label}, change_kind),
    ]


def add_changes(rows: list[dict], measures: dict[str, str]) -> list[dict]:
    """Set ``m_change`` on every row for each measure ``m`` (kind 'rate' gives points)."""
    for row in rows:
        for key, kind in measures.items():
            compute = points if kind == "rate" else change
            row[f"{key}_change"] = compute(row.get(key), row.get(f"{key}_prev"))
    return rows


def round_floats(rows: list[dict], *keys: str, places: int = 6) -> list[dict]:
    """Round the given float columns in place (DuckDB's doubles carry noise)."""
    for row in rows:
        for key in keys:
            if row.get(key) is not None:
                row[key] = round(float(row[key]), places)
    return rows
