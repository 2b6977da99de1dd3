"""Read an external test's results (one row per customer) into per-arm totals, in DuckDB.

The file is read with every column as text and converted here, so a stray value gives a
message naming the column and the value instead of a type-sniffing failure. The caller's
column names are quoted as identifiers; every value (the control, band edges) is a parameter.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
from django.utils.translation import gettext as _

from dangol.marketing.errors import MarketingErrorCode, ReviewInputError
from dangol.marketing.review import ArmTotals

Source = str | os.PathLike | Any  # a CSV path, a pandas DataFrame or a pyarrow Table


@dataclass(frozen=True)
class GroupTotals:
    """What one arm did within one customer group of one grouping column."""

    by: str
    group: str | None
    arm: str
    n: int
    responders: int


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Results:
    """A results source opened on an in-memory DuckDB connection, columns checked."""

    def __init__(self, *, source: Source, arm_col: str, response_col: str) -> None:
        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")  # it would write to the terminal
        self.params: list[Any] = []  # parameters of ``from_clause``, run before the rest
        if isinstance(source, str | os.PathLike):
            path = Path(source)
            if not path.is_file():
                raise ReviewInputError(
                    _("The file %(path)s does not exist or is not a file.") % {"path": path},
                    code=MarketingErrorCode.UNREADABLE_INPUT,
                    field="results",
                )
            # Read the file once into a table: the checks and the totals scan it again.
            try:
                self.con.execute(
                    "CREATE TEMP TABLE results_file AS "
                    "SELECT * FROM read_csv(?, header = true, all_varchar = true)",
                    [str(path)],
                )
            except duckdb.Error as exc:
                raise ReviewInputError(
                    _("Cannot read the input: %(error)s") % {"error": exc},
                    code=MarketingErrorCode.UNREADABLE_INPUT,
                    field="results",
                ) from exc
            self.from_clause = "results_file"
        else:
            try:
                self.con.register("results_frame", source)
            except (duckdb.Error, TypeError, ValueError) as exc:
                raise ReviewInputError(
                    _("Cannot read the input as a table: %(error)s") % {"error": exc},
                    code=MarketingErrorCode.UNREADABLE_INPUT,
                    field="results",
                ) from exc
            self.from_clause = "results_frame"
        try:
            described = self.fetch(f"DESCRIBE SELECT * FROM {self.from_clause}")
        except duckdb.Error as exc:
            raise ReviewInputError(
                _("Cannot read the input: %(error)s") % {"error": exc},
                code=MarketingErrorCode.UNREADABLE_INPUT,
                field="results",
            ) from exc
        self.columns = [row[0] for row in described]
        self.require([("--arm-col", arm_col), ("--response-col", response_col)])
        self.arm = f"CAST({_quote(arm_col)} AS VARCHAR)"
        self.response = f"TRY_CAST({_quote(response_col)} AS DOUBLE)"
        self._check_rows(arm_col=arm_col, response_col=response_col)

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Run ``sql`` (whose FROM clause parameters come first) and return all rows."""
        return self.con.execute(sql, [*self.params, *params]).fetchall()

    def require(self, wanted: Sequence[tuple[str, str]]) -> None:
        """Raise a clear error naming the first (option, column) of ``wanted`` absent."""
        for option, column in wanted:
            if column not in self.columns:
                raise ReviewInputError(
                    _(
                        "Column “%(column)s” (given as %(option)s) is not in the results; "
                        "its columns are: %(columns)s."
                    )
                    % {"column": column, "option": option, "columns": ", ".join(self.columns)},
                    code=MarketingErrorCode.MISSING_COLUMN,
                    field=option,
                )

    def _check_rows(self, *, arm_col: str, response_col: str) -> None:
        raw = _quote(response_col)
        rows, no_arm, bad = self.fetch(
            f"SELECT count(*), count(*) FILTER (WHERE {self.arm} IS NULL), "
            f"count(*) FILTER (WHERE {self.response} IS NULL OR {self.response} NOT IN (0, 1)) "
            f"FROM {self.from_clause}"
        )[0]
        if rows == 0:
            raise ReviewInputError(
                _("The results hold no rows."),
                code=MarketingErrorCode.EMPTY_INPUT,
                field="results",
            )
        if no_arm:
            raise ReviewInputError(
                _("%(count)d rows have no value in the arm column “%(column)s”.")
                % {"count": no_arm, "column": arm_col},
                code=MarketingErrorCode.MISSING_ARM,
                field="--arm-col",
            )
        if bad:
            examples = self.fetch(
                f"SELECT DISTINCT CAST({raw} AS VARCHAR) AS v FROM {self.from_clause} "
                f"WHERE {self.response} IS NULL OR {self.response} NOT IN (0, 1) "
                f"ORDER BY v NULLS FIRST LIMIT 5"
            )
            raise ReviewInputError(
                _(
                    "The response column “%(column)s” must hold only 0 and 1; %(count)d rows "
                    "hold something else, e.g. %(examples)s."
                )
                % {
                    "column": response_col,
                    "count": bad,
                    "examples": ", ".join(
                        repr(v) if v is not None else "(empty)" for (v,) in examples
                    ),
                },
                code=MarketingErrorCode.INVALID_RESPONSE,
                field="--response-col",
            )

    def numeric(self, *, column: str, option: str) -> str:
        """Return a DOUBLE expression for ``column``, after checking every row converts."""
        self.require([(option, column)])
        expr = f"TRY_CAST({_quote(column)} AS DOUBLE)"
        bad = self.fetch(
            f"SELECT count(*), min(CAST({_quote(column)} AS VARCHAR)) FROM {self.from_clause} "
            f"WHERE {expr} IS NULL OR NOT isfinite({expr})"
        )[0]
        if bad[0]:
            raise ReviewInputError(
                _(
                    "The column “%(column)s” must hold a number on every row; %(count)d rows "
                    "do not, e.g. %(example)s."
                )
                % {
                    "column": column,
                    "count": bad[0],
                    "example": repr(bad[1]) if bad[1] is not None else "(empty)",
                },
                code=MarketingErrorCode.INVALID_VALUE
                if option == "--value-col"
                else (MarketingErrorCode.INVALID_GROUP),
                field=option,
            )
        return expr

    def close(self) -> None:
        self.con.close()


def results_arm_totals(
    *, source: Source, arm_col: str, response_col: str, value_col: str | None = None
) -> list[ArmTotals]:
    """Return each arm's contacts, responders and (with ``value_col``) total value.

    :param source: a CSV path with a header row, a pandas DataFrame or a pyarrow Table, one
        row per customer.
    :param arm_col: the column naming the arm each customer was randomised into.
    :param response_col: the column holding 1 for a response and 0 otherwise.
    :param value_col: an optional numeric column (spend, revenue) to sum per arm.
    :raises ReviewInputError: a column is missing, a response is not 0/1, a value is not a
        number, an arm is empty, or the input cannot be read.

    Arms come in name order.
    """
    results = _Results(source=source, arm_col=arm_col, response_col=response_col)
    try:
        value = "NULL"
        if value_col is not None:
            value = "sum(" + results.numeric(column=value_col, option="--value-col") + ")"
        rows = results.fetch(
            f"SELECT {results.arm} AS arm, count(*), sum({results.response}), {value} "
            f"FROM {results.from_clause} GROUP BY arm ORDER BY arm"
        )
    finally:
        results.close()
    return [
        ArmTotals(
            arm=arm,
            n=int(n),
            responders=int(responders),
            value=None if total is None else float(total),
        )
        for arm, n, responders, total in rows
    ]


def band_labels(edges: Sequence[float]) -> list[str]:
    """Return interval labels for the bands cut at ``edges``: (-inf, a], (a, b], ..., (z, inf)."""
    marks = [f"{e:g}" for e in edges]
    lows, highs = ["-inf", *marks], [*marks, "inf"]
    return [
        f"({low}, {high}]" if high != "inf" else f"({low}, {high})"
        for low, high in zip(lows, highs, strict=True)
    ]


def results_group_totals(
    *,
    source: Source,
    arm_col: str,
    response_col: str,
    by: Sequence[str],
    bands: dict[str, Sequence[float]] | None = None,
) -> list[GroupTotals]:
    """Return contacts and responders per (grouping column, group, arm).

    Each column of ``by`` is its own view: the customers are grouped by that column alone.
    A column named in ``bands`` is numeric and cut at the given ascending edges, each band
    closed on the right (see ``band_labels``); the others are grouped by their text value.

    :raises ReviewInputError: as ``results_arm_totals``, or a banded column holds a value
        that is not a number, or the edges are not strictly ascending.
    """
    bands = dict(bands or {})
    for column, edges in bands.items():
        if not edges or any(b <= a for a, b in pairwise(edges)):
            raise ReviewInputError(
                _("The band edges of “%(column)s” must be strictly ascending numbers.")
                % {"column": column},
                code=MarketingErrorCode.INVALID_PARAMETER,
                field="--band",
            )
    if not by:
        raise ReviewInputError(
            _("Name at least one column to group customers by."),
            code=MarketingErrorCode.INVALID_PARAMETER,
            field="--by",
        )
    results = _Results(source=source, arm_col=arm_col, response_col=response_col)
    try:
        results.require([("--by", column) for column in by])
        parts: list[str] = []
        params: list[Any] = []
        for column in by:
            if column in bands:
                number = results.numeric(column=column, option="--by")
                edges = list(bands[column])
                labels = band_labels(edges)
                whens = " ".join(f"WHEN {number} <= ? THEN ?" for _edge in edges)
                group = f"CASE {whens} ELSE ? END"
                group_params: list[Any] = []
                for edge, label in zip(edges, labels, strict=False):
                    group_params += [float(edge), label]
                group_params.append(labels[-1])
            else:
                group, group_params = f"CAST({_quote(column)} AS VARCHAR)", []
            # Each part repeats the FROM clause, so its parameters repeat too.
            parts.append(
                f"SELECT ? AS dim, {group} AS grp, {results.arm} AS arm, count(*) AS n, "
                f"sum({results.response}) AS x FROM {results.from_clause} GROUP BY grp, arm"
            )
            params += [column, *group_params, *results.params]
        sql = " UNION ALL ".join(f"({part})" for part in parts) + " ORDER BY dim, grp, arm"
        rows = results.con.execute(sql, params).fetchall()
    finally:
        results.close()
    return [
        GroupTotals(by=b, group=g, arm=a, n=int(n), responders=int(x)) for b, g, a, n, x in rows
    ]
