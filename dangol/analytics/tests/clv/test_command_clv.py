"""``dangol clv fit|score`` end to end on the CDNOW sample."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangol.analytics.tests.clv.test_cdnow import cdnow_transactions

REPO_ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture(scope="module")
def cdnow_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clv") / "cdnow.csv"
    cdnow_transactions().to_csv(path, index=False)
    return path


def _input_flags(path: Path, **overrides: str) -> list[str]:
    flags = {
        "--transactions": str(path),
        "--customer-col": "customer",
        "--date-col": "date",
        "--amount-col": "amount",
        "--date-format": "%Y%m%d",
        "--calibration-end": "1997-09-30",
        "--time-unit": "week",
    } | overrides
    return [item for pair in flags.items() for item in pair]


def test_fit_prints_the_parameters_as_json(cdnow_csv):
    out = io.StringIO()

    call_command("clv", "fit", *_input_flags(cdnow_csv), "--json", stdout=out)

    result = json.loads(out.getvalue())
    assert list(result) == ["bgnbd", "gamma_gamma", "customers"]
    assert list(result["bgnbd"]) == ["r", "alpha", "a", "b", "loglik"]
    assert list(result["gamma_gamma"]) == ["p", "q", "v"]
    assert result["customers"] == 2357
    assert round(result["bgnbd"]["r"], 3) == 0.243
    assert round(result["bgnbd"]["alpha"], 3) == 4.414
    assert round(result["bgnbd"]["a"], 3) == 0.793
    assert round(result["bgnbd"]["b"], 3) == 2.426
    assert round(result["bgnbd"]["loglik"], 1) == -9582.4
    assert round(result["gamma_gamma"]["p"], 2) == 6.25
    assert round(result["gamma_gamma"]["q"], 2) == 3.74
    assert round(result["gamma_gamma"]["v"], 2) == 15.44


def test_fit_without_json_prints_a_readable_line_per_model(cdnow_csv):
    out = io.StringIO()

    call_command("clv", "fit", *_input_flags(cdnow_csv), stdout=out)

    assert out.getvalue().splitlines() == [
        "BG/NBD on 2357 customers: r=0.2426 alpha=4.4136 a=0.7929 b=2.4259 log-likelihood=-9582.43",
        "Gamma-Gamma on 946 repeat buyers: p=6.2496 q=3.7442 v=15.4435",
    ]


def test_score_writes_one_row_per_customer(cdnow_csv, tmp_path):
    out_path = tmp_path / "scores.csv"

    call_command(
        "clv",
        "score",
        *_input_flags(cdnow_csv),
        "--horizon",
        "52",
        "--discount-rate",
        "0.002",
        "--out",
        str(out_path),
        stderr=io.StringIO(),
    )

    with out_path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "customer_id",
        "frequency",
        "recency",
        "T",
        "monetary",
        "p_alive",
        "expected_purchases",
        "expected_avg_value",
        "clv",
    ]
    assert len(rows) == 2357
    first = rows[0]
    assert first["customer_id"] == "00004"
    assert first["frequency"] == "2"
    assert float(first["p_alive"]) == pytest.approx(0.7266, abs=1e-4)
    # One customer: value = expected purchases x expected spend, discounted a little.
    undiscounted = float(first["expected_purchases"]) * float(first["expected_avg_value"])
    assert 0.9 * undiscounted < float(first["clv"]) < undiscounted
    assert all(0.0 <= float(row["p_alive"]) <= 1.0 for row in rows)
    assert all(float(row["clv"]) >= 0.0 for row in rows)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"--customer-col": "cust"},
            "no column 'cust' in the transactions; the columns are: customer, date, amount",
        ),
        (
            {"--date-format": "%Y-%m-%d"},
            "row 1: cannot parse '19970101' in column 'date' with format '%Y-%m-%d' "
            "(6919 bad values in all)",
        ),
        (
            {"--calibration-end": "1996-12-31"},
            "calibration end 1996-12-31 is before the first transaction "
            "(1997-01-01; the data run to 1998-06-30)",
        ),
    ],
)
def test_input_errors_become_command_errors(cdnow_csv, overrides, message):
    with pytest.raises(CommandError) as excinfo:
        call_command("clv", "fit", *_input_flags(cdnow_csv, **overrides), "--json")
    assert str(excinfo.value) == message


def test_a_bad_date_row_exits_non_zero_with_its_message(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("customer,date,amount\n1,2025-01-01,5\n1,2025-02-30,7\n")
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "dangol.config.settings"}

    args = [
        *("--transactions", str(path), "--customer-col", "customer", "--date-col", "date"),
        *("--amount-col", "amount", "--calibration-end", "2025-03-01", "--json"),
    ]

    done = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "dangol", "clv", "fit", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=120,
        check=False,
    )

    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == (
        "CommandError: row 2: cannot parse '2025-02-30' in column 'date' as a date (YYYY-MM-DD)"
    )


def test_an_empty_file_exits_non_zero(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")

    with pytest.raises(CommandError, match=r"empty\.csv is empty$"):
        call_command("clv", "fit", *_input_flags(path), "--json")


def test_score_to_standard_output(cdnow_csv):
    out = io.StringIO()

    call_command(
        "clv", "score", *_input_flags(cdnow_csv, **{"--time-unit": "day"}),
        "--horizon", "30", "--out", "-", stdout=out,
    )  # fmt: skip

    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "customer_id,frequency,recency,T,monetary,p_alive,expected_purchases,expected_avg_value,clv"
    )
    assert len(lines) == 2358
    # In days: customer 00004's first purchase 1997-01-01, last repeat 1997-08-02.
    assert lines[1].startswith("00004,2,213.0,272.0,22.345,")
