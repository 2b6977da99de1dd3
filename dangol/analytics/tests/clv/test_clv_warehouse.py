"""CLV on the warehouse: the summary and the holdout numbers, checked by hand on a tiny case."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pytest

from dangol.analytics.clv.bgnbd import BetaGeo
from dangol.analytics.clv.warehouse import (
    _holdout_counts,
    clv_summary_warehouse,
    holdout_tracking,
)
from dangol.analytics.modelcards.charts import charts_validate
from dangol.analytics.tests.warehouse_fixture import build_test_warehouse

D = dt.date


def _line(line_id, customer, day, amount, status="delivered"):
    return {
        "order_line_id": line_id,
        "order_id": line_id,
        "customer_id": customer,
        "product_id": 1,
        "ordered_at": dt.datetime.combine(day, dt.time(10)),
        "quantity": 1,
        "unit_price": str(amount),
        "status": status,
    }


# Calibration ends 2025-01-31, the holdout runs to 2025-02-14.
SALES = [
    _line(1, 1, D(2025, 1, 1), 100),
    _line(2, 1, D(2025, 1, 8), 50),
    _line(3, 1, D(2025, 1, 8), 30),  # same day: one transaction of 80
    _line(4, 1, D(2025, 1, 20), 40),
    _line(5, 1, D(2025, 2, 3), 60),
    _line(6, 1, D(2025, 2, 10), 10),
    _line(7, 2, D(2025, 1, 5), 200),
    _line(8, 2, D(2025, 2, 14), 20),
    _line(9, 3, D(2025, 1, 10), 70),
    _line(10, 3, D(2025, 1, 29), 500, status="cancelled"),  # never counts
    _line(11, 3, D(2025, 1, 30), 30),
    _line(12, 4, D(2025, 2, 5), 90),  # first purchase after calibration: not in the cohort
    _line(13, 4, D(2025, 2, 12), 90),
]


@pytest.fixture
def con(tmp_path):
    path = build_test_warehouse(
        tmp_path / "wh.duckdb",
        products=[{"product_id": 1, "unit_price": "10", "unit_cost": "5"}],
        sales=SALES,
    )
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def test_summary_counts_days_valid_sales_and_repeat_spend(con):
    summary = clv_summary_warehouse(con=con, until=D(2025, 1, 31))
    rows = summary.drop(columns="first_day").to_dict("records")
    assert rows == [
        {"customer_id": 1, "frequency": 2, "recency": 19 / 7, "T": 30 / 7, "monetary": 60.0},
        {"customer_id": 2, "frequency": 0, "recency": 0.0, "T": 26 / 7, "monetary": 0.0},
        {"customer_id": 3, "frequency": 1, "recency": 20 / 7, "T": 21 / 7, "monetary": 30.0},
    ]


def test_holdout_counts_purchase_days_after_the_calibration_end(con):
    counts = _holdout_counts(con, calibration_end=D(2025, 1, 31), holdout_end=D(2025, 2, 14))
    assert dict(zip(counts["customer_id"], counts["holdout"], strict=True)) == {1: 2, 2: 1, 4: 2}


def _model() -> BetaGeo:
    model = BetaGeo()
    model.r_, model.alpha_, model.a_, model.b_ = 0.5, 2.0, 0.8, 2.5
    return model


def test_tracking_equals_a_hand_computation(con):
    summary = clv_summary_warehouse(con=con, until=D(2025, 1, 31))
    model = _model()
    tracking = holdout_tracking(
        con=con,
        bgnbd=model,
        first_days=summary["first_day"],
        calibration_end=D(2025, 1, 31),
        holdout_end=D(2025, 2, 14),
    )
    # Weeks from 2025-01-01; the last one is cut at the holdout end (2025-02-14).
    assert tracking.week_ends == [
        D(2025, 1, 7),
        D(2025, 1, 14),
        D(2025, 1, 21),
        D(2025, 1, 28),
        D(2025, 2, 4),
        D(2025, 2, 11),
        D(2025, 2, 14),
    ]
    # Repeat days of customers 1-3: 01-08 (week 1), 01-20 (2), 01-30 (3, customer 3: day
    # 29), 02-03 (4), 02-10 (5), 02-14 (6). Customer 4 started after calibration; the
    # cancelled line does not count.
    assert tracking.actual_weekly.tolist() == [0, 1, 1, 0, 2, 1, 1]
    assert tracking.actual_cumulative.tolist() == [0, 1, 2, 2, 4, 5, 6]
    assert tracking.calibration_weeks == 4
    # Model: sum over customers born on day b (0, 4, 9) of E[X((D - b) / 7)].
    births = [0, 4, 9]
    hand = []
    for end in [6, 13, 20, 27, 34, 41, 44]:
        hand.append(
            sum(
                float(model.expected_number_of_purchases_up_to_time((end - b) / 7))
                for b in births
                if end >= b
            )
        )
    assert np.allclose(tracking.model_cumulative, hand, rtol=1e-12, atol=0)
    assert np.allclose(tracking.model_weekly, np.diff(hand, prepend=0.0), rtol=1e-12, atol=1e-15)


def test_charts_format_rejects_ragged_series():
    charts_validate({"c": {"type": "line", "title": "t", "x": [1, 2], "series": {"a": [1, 2]}}})
    with pytest.raises(Exception, match="one value per x"):
        charts_validate({"c": {"type": "line", "title": "t", "x": [1, 2], "series": {"a": [1]}}})
    with pytest.raises(Exception, match="type must be"):
        charts_validate({"c": {"type": "pie", "title": "t", "x": [], "series": {"a": []}}})
