"""Turn raw transactions into the per-customer summary the CLV models fit on.

The work is one set-based DuckDB query, no Python loop over rows:

- purchases on the same calendar day are merged into one (their amounts added up);
- only days up to and including the calibration end count;
- ``frequency`` = distinct purchase days - 1 (repeat purchases);
- ``recency`` = first to last purchase day, ``T`` = first purchase day to calibration end,
  both in days or in weeks (days / 7);
- ``monetary`` = mean total of the repeat days (0 for customers with no repeat purchase).

These are the conventions under which the CDNOW sample reproduces Fader, Hardie & Lee's
published summary. User-supplied column names are quoted as identifiers; every value
(date format, calibration end, time scale) is a bound parameter.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from dangol.analytics.clv.errors import ClvErrorCode, ClvInputError

TimeUnit = Literal["day", "week"]
DAYS_PER_UNIT: dict[str, float] = {"day": 1.0, "week": 7.0}
SUMMARY_COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary")

_TEMPORAL_TYPES = ("DATE", "TIMESTAMP")


def quote_identifier(name: str) -> str:
    """Return ``name`` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _open_source(con: duckdb.DuckDBPyConnection, source: object) -> None:
    """Expose ``source`` (a CSV path, a pandas DataFrame or an Arrow table) as view ``src``."""
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise ClvInputError(f"{path}: no such file", field="transactions")
        if path.stat().st_size == 0:
            raise ClvInputError(
                f"{path} is empty", field="transactions", code=ClvErrorCode.EMPTY_INPUT
            )
        try:
            # Everything as text: this module, not the CSV sniffer, decides how dates and
            # amounts parse, so a bad value is reported rather than silently typed away.
            relation = con.read_csv(str(path), header=True, all_varchar=True)
        except duckdb.Error as exc:
            raise ClvInputError(
                f"{path}: cannot read as CSV ({exc})", field="transactions"
            ) from exc
        relation.create_view("src")
    else:
        try:
            con.register("src", source)
        except (duckdb.Error, TypeError, ValueError) as exc:
            raise ClvInputError(
                f"cannot read transactions of type {type(source).__name__}", field="transactions"
            ) from exc


def _column_types(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {row[0]: row[1] for row in con.execute("DESCRIBE src").fetchall()}


def _parsed_sql(
    *, customer_col: str, date_col: str, amount_col: str | None, date_type: str, has_format: bool
) -> str:
    """Return a SELECT of the typed transactions; unparseable values come out as NULL."""
    customer = quote_identifier(customer_col)
    date = quote_identifier(date_col)
    if date_type.startswith(_TEMPORAL_TYPES):
        day = f"CAST({date} AS DATE)"
    elif has_format:
        day = f"CAST(try_strptime(CAST({date} AS VARCHAR), $date_format) AS DATE)"
    else:
        raw = f"CAST({date} AS VARCHAR)"
        day = f"COALESCE(TRY_CAST({raw} AS DATE), CAST(TRY_CAST({raw} AS TIMESTAMP) AS DATE))"
    if amount_col is None:
        amount, raw_amount = "0.0", "NULL"
    else:
        amount = f"TRY_CAST({quote_identifier(amount_col)} AS DOUBLE)"
        raw_amount = f"CAST({quote_identifier(amount_col)} AS VARCHAR)"
    return f"""
        SELECT
            CAST({customer} AS VARCHAR) AS customer_id,
            {day} AS day,
            {amount} AS amount,
            CAST({date} AS VARCHAR) AS raw_date,
            {raw_amount} AS raw_amount
        FROM src
    """


_CHECK_SQL = """
    SELECT
        count(*),
        count(*) FILTER (WHERE customer_id IS NULL),
        count(*) FILTER (WHERE day IS NULL),
        count(*) FILTER (WHERE amount IS NULL OR NOT isfinite(amount)),
        min(day),
        max(day)
    FROM tx
"""

# The first offending row, numbered from 1 in input order (the header is not a row).
_FIRST_BAD_ROW_SQL = """
    SELECT row_no, raw_date, raw_amount, customer_id IS NULL, day IS NULL
    FROM (SELECT row_number() OVER () AS row_no, * FROM tx)
    WHERE customer_id IS NULL OR day IS NULL OR amount IS NULL OR NOT isfinite(amount)
    ORDER BY row_no
    LIMIT 1
"""

SUMMARY_SQL = """
    WITH days AS (
        SELECT customer_id, day, sum(amount) AS amount
        FROM tx
        WHERE day <= $calibration_end
        GROUP BY customer_id, day
    )
    SELECT
        customer_id,
        count(*) - 1 AS frequency,
        date_diff('day', min(day), max(day)) / $days_per_unit AS recency,
        date_diff('day', min(day), $calibration_end) / $days_per_unit AS "T",
        -- Mean of the repeat days: all days' total less the first day's (days are unique
        -- per customer here, so arg_min picks exactly one); half the cost of a window.
        coalesce(
            (sum(amount) - arg_min(amount, day)) / nullif(count(*) - 1, 0), 0.0
        ) AS monetary
    FROM days
    GROUP BY customer_id
    ORDER BY customer_id
"""


def _check_transactions(
    con: duckdb.DuckDBPyConnection,
    *,
    with_tx: str,
    params: dict[str, object],
    calibration_end: dt.date,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    date_format: str | None,
) -> None:
    """Raise ``ClvInputError`` for empty input, unparseable values or a too-early end."""
    n_rows, bad_customers, bad_dates, bad_amounts, first_day, last_day = con.execute(
        _CHECK_SQL
    ).fetchone()
    if n_rows == 0:
        raise ClvInputError(
            "there are no transactions", field="transactions", code=ClvErrorCode.EMPTY_INPUT
        )
    if bad_customers or bad_dates or bad_amounts:
        row_no, raw_date, raw_amount, customer_missing, day_missing = con.execute(
            # Only on failure: parse the source again, this time keeping the raw text.
            with_tx + _FIRST_BAD_ROW_SQL,
            params or None,
        ).fetchone()
        if customer_missing:
            message, field = (
                f"row {row_no}: empty customer in column {customer_col!r}",
                "customer_col",
            )
        elif day_missing:
            how = f"with format {date_format!r}" if date_format else "as a date (YYYY-MM-DD)"
            message = f"row {row_no}: cannot parse {raw_date!r} in column {date_col!r} {how}"
            field = "date_col"
        else:
            message = f"row {row_no}: {raw_amount!r} in column {amount_col!r} is not a number"
            field = "amount_col"
        total = bad_customers + bad_dates + bad_amounts
        if total > 1:
            message += f" ({total} bad values in all)"
        raise ClvInputError(message, field=field, code=ClvErrorCode.UNPARSEABLE_VALUE)
    if calibration_end < first_day:
        raise ClvInputError(
            f"calibration end {calibration_end.isoformat()} is before the first transaction "
            f"({first_day.isoformat()}; the data run to {last_day.isoformat()})",
            field="calibration_end",
            code=ClvErrorCode.CALIBRATION_END_TOO_EARLY,
        )


def summary_from_transactions(
    *,
    source: str | Path | pd.DataFrame | object,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    calibration_end: dt.date,
    time_unit: TimeUnit = "week",
    date_format: str | None = None,
) -> pd.DataFrame:
    """Return one row per customer: ``customer_id, frequency, recency, T, monetary``.

    :param source: a CSV file with a header row, a pandas DataFrame or an Arrow table.
    :param customer_col: column holding the customer identifier.
    :param date_col: column holding the purchase date (or timestamp).
    :param amount_col: column holding the purchase amount; ``None`` sets monetary to 0.
    :param calibration_end: last day of the calibration period (inclusive).
    :param time_unit: ``"week"`` (days / 7) or ``"day"``.
    :param date_format: a strptime format such as ``%Y%m%d``; ISO dates parse without one.
    :raises ClvInputError: on a missing column, an unparseable date or amount (naming the
        row and value), no transactions, or a calibration end before every transaction.
    """
    if time_unit not in DAYS_PER_UNIT:
        raise ClvInputError(
            f"time unit must be one of {', '.join(DAYS_PER_UNIT)}, not {time_unit!r}",
            field="time_unit",
            code=ClvErrorCode.INVALID_PARAMETER,
        )
    con = duckdb.connect()
    try:
        _open_source(con, source)
        types = _column_types(con)
        for field, column in (
            ("customer_col", customer_col),
            ("date_col", date_col),
            ("amount_col", amount_col),
        ):
            if column is not None and column not in types:
                raise ClvInputError(
                    f"no column {column!r} in the transactions; the columns are: "
                    + ", ".join(types),
                    field=field,
                    code=ClvErrorCode.MISSING_COLUMN,
                )
        params: dict[str, object] = {}
        if date_format and not types[date_col].startswith(_TEMPORAL_TYPES):
            params["date_format"] = date_format
        parsed = _parsed_sql(
            customer_col=customer_col,
            date_col=date_col,
            amount_col=amount_col,
            date_type=types[date_col],
            has_format="date_format" in params,
        )
        with_tx = f"WITH tx AS ({parsed})"
        # Parse once into a table that the checks and the summary both read.
        con.execute(
            f"CREATE TEMP TABLE tx AS SELECT customer_id, day, amount FROM ({parsed})",
            params or None,
        )
        _check_transactions(
            con,
            with_tx=with_tx,
            params=params,
            calibration_end=calibration_end,
            customer_col=customer_col,
            date_col=date_col,
            amount_col=amount_col,
            date_format=date_format,
        )
        frame = con.execute(
            SUMMARY_SQL,
            {"calibration_end": calibration_end, "days_per_unit": DAYS_PER_UNIT[time_unit]},
        ).df()
    except duckdb.Error as exc:
        raise ClvInputError(f"cannot summarise the transactions: {exc}") from exc
    finally:
        con.close()
    frame["frequency"] = frame["frequency"].astype("int64")
    return frame[list(SUMMARY_COLUMNS)]
