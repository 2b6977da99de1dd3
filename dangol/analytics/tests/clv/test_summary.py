"""Transactions to per-customer summary, with DuckDB; and the input errors it reports."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest

from dangol.analytics.clv.errors import ClvErrorCode, ClvInputError
from dangol.analytics.clv.summary import summary_from_transactions

END = dt.date(2025, 1, 29)

TRANSACTIONS = pd.DataFrame(
    {
        "customer": ["a", "a", "a", "a", "b", "c", "c", "d"],
        "day": [
            "2025-01-01",
            "2025-01-01",  # same day as the first: merged into it
            "2025-01-08",
            "2025-01-22",
            "2025-01-15",
            "2025-01-29",  # on the calibration end: counts
            "2025-02-05",  # after it: ignored
            "2025-02-01",  # d's only purchase is after the end: d is left out
        ],
        "amount": [10.0, 5.0, 20.0, 40.0, 7.5, 3.0, 99.0, 1.0],
    }
)


def _summary(source=TRANSACTIONS, **overrides):
    arguments = {
        "source": source,
        "customer_col": "customer",
        "date_col": "day",
        "amount_col": "amount",
        "calibration_end": END,
        "time_unit": "day",
    } | overrides
    return summary_from_transactions(**arguments)


def test_summary_in_days():
    summary = _summary()

    assert summary.to_dict("records") == [
        # a: days 1, 8, 22 -> 2 repeat days; repeat totals 20 and 40.
        {"customer_id": "a", "frequency": 2, "recency": 21.0, "T": 28.0, "monetary": 30.0},
        {"customer_id": "b", "frequency": 0, "recency": 0.0, "T": 14.0, "monetary": 0.0},
        {"customer_id": "c", "frequency": 0, "recency": 0.0, "T": 0.0, "monetary": 0.0},
    ]


def test_weeks_are_days_divided_by_seven():
    summary = _summary(time_unit="week")

    assert summary["recency"].tolist() == [3.0, 0.0, 0.0]
    assert summary["T"].tolist() == [4.0, 2.0, 0.0]


def test_same_day_purchases_of_a_repeat_day_are_added_up():
    frame = pd.DataFrame(
        {
            "customer": ["a", "a", "a"],
            "day": ["2025-01-01", "2025-01-05", "2025-01-05"],
            "amount": [1.0, 2.0, 4.0],
        }
    )

    summary = _summary(frame)

    assert summary.loc[0, "frequency"] == 1
    assert summary.loc[0, "monetary"] == 6.0


def test_csv_arrow_and_pandas_give_the_same_summary(tmp_path):
    path = tmp_path / "tx.csv"
    TRANSACTIONS.to_csv(path, index=False)

    from_csv = _summary(str(path))
    from_arrow = _summary(pa.Table.from_pandas(TRANSACTIONS))

    pd.testing.assert_frame_equal(from_csv, _summary())
    pd.testing.assert_frame_equal(from_arrow, _summary())


def test_timestamps_and_date_formats_parse(tmp_path):
    frame = TRANSACTIONS.assign(day=pd.to_datetime(TRANSACTIONS["day"]) + pd.Timedelta(hours=13))
    compact = TRANSACTIONS.assign(day=TRANSACTIONS["day"].str.replace("-", ""))
    iso_timestamps = TRANSACTIONS.assign(day=TRANSACTIONS["day"] + " 23:59:00")

    pd.testing.assert_frame_equal(_summary(frame), _summary())
    pd.testing.assert_frame_equal(_summary(compact, date_format="%Y%m%d"), _summary())
    pd.testing.assert_frame_equal(_summary(iso_timestamps), _summary())


def test_column_names_are_quoted_not_interpolated():
    odd = 'amount"; DROP TABLE src; --'
    frame = TRANSACTIONS.rename(columns={"amount": odd})

    summary = _summary(frame, amount_col=odd)

    assert summary["monetary"].tolist() == [30.0, 0.0, 0.0]


def test_missing_column_lists_the_columns():
    with pytest.raises(ClvInputError) as excinfo:
        _summary(amount_col="price")

    assert excinfo.value.code == ClvErrorCode.MISSING_COLUMN
    assert excinfo.value.field == "amount_col"
    assert str(excinfo.value) == (
        "no column 'price' in the transactions; the columns are: customer, day, amount"
    )


def test_unparseable_date_names_the_row_and_value():
    frame = TRANSACTIONS.copy()
    frame.loc[2, "day"] = "2025-13-01"

    with pytest.raises(ClvInputError) as excinfo:
        _summary(frame)

    assert excinfo.value.code == ClvErrorCode.UNPARSEABLE_VALUE
    assert str(excinfo.value) == (
        "row 3: cannot parse '2025-13-01' in column 'day' as a date (YYYY-MM-DD)"
    )


def test_date_not_matching_the_format_names_the_format():
    with pytest.raises(ClvInputError) as excinfo:
        _summary(date_format="%d/%m/%Y")

    assert str(excinfo.value) == (
        "row 1: cannot parse '2025-01-01' in column 'day' with format '%d/%m/%Y' "
        "(8 bad values in all)"
    )


def test_unparseable_amount_names_the_row_and_value():
    frame = TRANSACTIONS.astype({"amount": object})
    frame.loc[4, "amount"] = "12,50"

    with pytest.raises(ClvInputError) as excinfo:
        _summary(frame)

    assert str(excinfo.value) == "row 5: '12,50' in column 'amount' is not a number"


def test_empty_file_and_header_only_file(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header_only = tmp_path / "header.csv"
    header_only.write_text("customer,day,amount\n")

    with pytest.raises(ClvInputError) as empty_error:
        _summary(str(empty))
    with pytest.raises(ClvInputError) as header_error:
        _summary(str(header_only))

    assert empty_error.value.code == ClvErrorCode.EMPTY_INPUT
    assert str(empty_error.value) == f"{empty} is empty"
    assert header_error.value.code == ClvErrorCode.EMPTY_INPUT
    assert str(header_error.value) == "there are no transactions"


def test_calibration_end_before_all_data():
    with pytest.raises(ClvInputError) as excinfo:
        _summary(calibration_end=dt.date(2024, 12, 31))

    assert excinfo.value.code == ClvErrorCode.CALIBRATION_END_TOO_EARLY
    assert str(excinfo.value) == (
        "calibration end 2024-12-31 is before the first transaction "
        "(2025-01-01; the data run to 2025-02-05)"
    )
