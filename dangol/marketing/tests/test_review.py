"""The campaign review engine: a hand-computed example, Hillstrom's published figures, CLI."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from django.core.management import CommandError, call_command

from dangol.marketing.errors import MarketingErrorCode, ReviewInputError
from dangol.marketing.results import results_arm_totals
from dangol.marketing.review import (
    ArmTotals,
    arms_review,
    campaign_roi,
    proportions_compare,
    z_critical,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
HILLSTROM = REPO_ROOT.parent / "shared" / "data" / "hillstrom-email-test.csv"
REVIEW_KEYS = [
    "arm", "n", "responders", "response_rate", "control_rate", "lift_abs", "lift_rel",
    "ci_low", "ci_high", "p_value", "value_per_customer", "control_value_per_customer",
    "incremental_value",
]  # fmt: skip


@pytest.fixture(scope="module")
def visits():
    return results_arm_totals(
        source=HILLSTROM, arm_col="segment", response_col="visit", value_col="spend"
    )


def _hand_example() -> list[ArmTotals]:
    return [
        ArmTotals(arm="control", n=1000, responders=100, value=4500.0),
        ArmTotals(arm="treated", n=1000, responders=120, value=6000.0),
    ]


def test_hand_computed_example_lifts_and_values():
    (review,) = arms_review(arms=_hand_example(), control="control")

    # 120/1000 - 100/1000 = 0.02; 0.02 / 0.10 = 0.2.
    # Value per customer 6000/1000 = 6.0 against 4500/1000 = 4.5: (6.0 - 4.5) * 1000 = 1500.
    assert review.arm == "treated"
    assert (review.n, review.responders) == (1000, 120)
    assert review.response_rate == 0.12
    assert review.control_rate == 0.1
    assert review.lift_abs == pytest.approx(0.02, abs=1e-15)
    assert review.lift_rel == pytest.approx(0.2, abs=1e-14)
    assert review.value_per_customer == 6.0
    assert review.control_value_per_customer == 4.5
    assert review.incremental_value == 1500.0


def test_hand_computed_example_wald_interval_and_pooled_test():
    (review,) = arms_review(arms=_hand_example(), control="control")
    stats = proportions_compare(n=1000, responders=120, control_n=1000, control_responders=100)

    # Wald: se = sqrt(0.12 * 0.88 / 1000 + 0.10 * 0.90 / 1000) = sqrt(0.0001956)
    #          = 0.0139857070; 1.959964 * se = 0.0274114820; 0.02 -/+ that.
    assert round(review.ci_low, 6) == -0.007411
    assert round(review.ci_high, 6) == 0.047411
    # Pooled: P = 220/2000 = 0.11; se0 = sqrt(0.11 * 0.89 * (2/1000)) = sqrt(0.0001958)
    #          = 0.0139928553; z = 0.02 / se0 = 1.429301; p = 2 * (1 - Φ(1.429301)) = 0.152918.
    assert round(float(stats["z"]), 6) == 1.429301
    assert round(review.p_value, 6) == 0.152918


def test_critical_value_follows_the_level():
    assert round(z_critical(), 6) == 1.959964
    assert round(z_critical(level=0.90), 6) == 1.644854
    with pytest.raises(ReviewInputError):
        z_critical(level=1.0)


def test_comparison_is_vectorised_element_by_element():
    stats = proportions_compare(
        n=[1000, 500, 40], responders=[120, 60, 0],
        control_n=[1000, 800, 50], control_responders=[100, 40, 0],
    )  # fmt: skip

    single = proportions_compare(n=500, responders=60, control_n=800, control_responders=40)
    assert stats["lift_abs"].shape == (3,)
    for key in ("lift_abs", "ci_low", "ci_high", "p_value"):
        assert stats[key][1] == pytest.approx(float(single[key]), abs=1e-15)
    # No responder on either side: the rates are equal, z is 0 and the p-value is 1.
    assert stats["z"][2] == 0.0
    assert stats["p_value"][2] == 1.0
    assert np.isnan(stats["lift_rel"][2])


def test_zero_control_rate_leaves_relative_lift_undefined():
    arms = [ArmTotals("control", 200, 0), ArmTotals("treated", 200, 10)]

    (review,) = arms_review(arms=arms, control="control")

    assert review.lift_rel is None
    assert review.lift_abs == 0.05
    assert review.value_per_customer is None
    assert review.incremental_value is None


def test_arm_without_contacts_is_rejected():
    with pytest.raises(ReviewInputError) as caught:
        proportions_compare(n=[0], responders=[0], control_n=[10], control_responders=[1])

    assert caught.value.code == MarketingErrorCode.EMPTY_INPUT


def test_missing_control_and_lonely_control_are_rejected():
    with pytest.raises(ReviewInputError) as missing:
        arms_review(arms=_hand_example(), control="holdout")
    with pytest.raises(ReviewInputError) as lonely:
        arms_review(arms=_hand_example()[:1], control="control")

    assert missing.value.code == MarketingErrorCode.CONTROL_NOT_FOUND
    assert "holdout" in missing.value.message
    assert "control, treated" in missing.value.message
    assert lonely.value.code == MarketingErrorCode.NO_TREATMENT


def test_roi_is_margin_less_cost_over_cost():
    assert campaign_roi(margin=3000.0, cost=1200.0) == 1.5
    assert campaign_roi(margin=500.0, cost=0.0) is None


def test_hillstrom_arm_sizes_and_spend_match_published(visits):
    by_arm = {t.arm: t for t in visits}

    assert [t.arm for t in visits] == ["Mens E-Mail", "No E-Mail", "Womens E-Mail"]
    assert {a: t.n for a, t in by_arm.items()} == {
        "Mens E-Mail": 21307, "Womens E-Mail": 21387, "No E-Mail": 21306,
    }  # fmt: skip
    assert {a: round(t.value / t.n, 4) for a, t in by_arm.items()} == {
        "Mens E-Mail": 1.4226, "Womens E-Mail": 1.0772, "No E-Mail": 0.6528,
    }  # fmt: skip


def test_hillstrom_visit_rates_match_published(visits):
    reviews = {r.arm: r for r in arms_review(arms=visits, control="No E-Mail")}

    assert round(reviews["Mens E-Mail"].response_rate * 100, 2) == 18.28
    assert round(reviews["Womens E-Mail"].response_rate * 100, 2) == 15.14
    assert round(reviews["Mens E-Mail"].control_rate * 100, 2) == 10.62
    # Both e-mails raised visits well beyond chance; the interval excludes zero.
    assert reviews["Mens E-Mail"].ci_low > 0.06
    assert reviews["Womens E-Mail"].p_value < 1e-40
    # (1.4226 - 0.6528) * 21307 customers.
    assert round(reviews["Mens E-Mail"].incremental_value) == 16403


def test_hillstrom_conversion_rates_match_published():
    totals = results_arm_totals(source=HILLSTROM, arm_col="segment", response_col="conversion")
    rates = {t.arm: round(t.responders / t.n * 100, 3) for t in totals}

    assert rates == {"Mens E-Mail": 1.253, "Womens E-Mail": 0.884, "No E-Mail": 0.573}
    assert [t.value for t in totals] == [None, None, None]


def test_frames_read_like_the_file():
    frame = pd.read_csv(HILLSTROM)
    from_file = results_arm_totals(
        source=HILLSTROM, arm_col="segment", response_col="conversion", value_col="spend"
    )

    from_pandas = results_arm_totals(
        source=frame, arm_col="segment", response_col="conversion", value_col="spend"
    )
    from_arrow = results_arm_totals(
        source=pa.Table.from_pandas(frame),
        arm_col="segment",
        response_col="conversion",
        value_col="spend",
    )

    assert [(t.arm, t.n, t.responders) for t in from_pandas] == [
        (t.arm, t.n, t.responders) for t in from_file
    ]
    assert [t.value for t in from_arrow] == pytest.approx([t.value for t in from_file])


@pytest.mark.parametrize(
    ("frame", "kwargs", "code", "field", "named"),
    [
        (
            pd.DataFrame({"arm": ["a", "b"], "visit": [0, 1]}),
            {"response_col": "visited"},
            MarketingErrorCode.MISSING_COLUMN, "--response-col", "visited",
        ),
        (
            pd.DataFrame({"arm": ["a", "b"], "visit": [0, 2]}),
            {"response_col": "visit"},
            MarketingErrorCode.INVALID_RESPONSE, "--response-col", "'2'",
        ),
        (
            pd.DataFrame({"arm": ["a", "b"], "visit": ["yes", "no"]}),
            {"response_col": "visit"},
            MarketingErrorCode.INVALID_RESPONSE, "--response-col", "'no'",
        ),
        (
            pd.DataFrame({"arm": ["a", None], "visit": [0, 1]}),
            {"response_col": "visit"},
            MarketingErrorCode.MISSING_ARM, "--arm-col", "arm",
        ),
        (
            pd.DataFrame({"arm": ["a", "b"], "visit": [0, 1], "spend": ["1.5", "n/a"]}),
            {"response_col": "visit", "value_col": "spend"},
            MarketingErrorCode.INVALID_VALUE, "--value-col", "'n/a'",
        ),
    ],
)  # fmt: skip
def test_bad_results_give_a_clear_error(frame, kwargs, code, field, named):
    with pytest.raises(ReviewInputError) as caught:
        results_arm_totals(source=frame, arm_col="arm", **kwargs)

    assert caught.value.code == code
    assert caught.value.field == field
    assert named in caught.value.message


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ReviewInputError) as caught:
        results_arm_totals(source=tmp_path / "nope.csv", arm_col="a", response_col="r")

    assert caught.value.code == MarketingErrorCode.UNREADABLE_INPUT
    assert "nope.csv" in caught.value.message


def test_cli_review_prints_the_documented_json():
    out = io.StringIO()

    call_command(
        "campaign", "review", "--results", str(HILLSTROM), "--arm-col", "segment",
        "--control", "No E-Mail", "--response-col", "visit", "--value-col", "spend", "--json",
        stdout=out,
    )  # fmt: skip

    rows = json.loads(out.getvalue())
    assert [r["arm"] for r in rows] == ["Mens E-Mail", "Womens E-Mail"]
    assert all(list(r) == REVIEW_KEYS for r in rows)
    assert rows[1]["n"] == 21387
    assert rows[1]["responders"] == 3238
    assert round(rows[1]["value_per_customer"], 4) == 1.0772
    assert round(rows[1]["control_value_per_customer"], 4) == 0.6528


def test_cli_review_without_value_column_prints_nulls():
    out = io.StringIO()

    call_command(
        "campaign", "review", "--results", str(HILLSTROM), "--arm-col", "segment",
        "--control", "No E-Mail", "--response-col", "conversion", "--json", stdout=out,
    )  # fmt: skip

    rows = json.loads(out.getvalue())
    assert all(list(r) == REVIEW_KEYS for r in rows)
    assert {r["incremental_value"] for r in rows} == {None}
    assert round(rows[0]["response_rate"] * 100, 3) == 1.253


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--arm-col", "arm", "--control", "No E-Mail", "--response-col", "visit"], "arm"),
        (["--arm-col", "segment", "--control", "Control", "--response-col", "visit"], "Control"),
        (["--arm-col", "segment", "--control", "No E-Mail", "--response-col", "spend"], "spend"),
    ],
)
def test_cli_review_errors_name_what_was_wrong(args, named):
    with pytest.raises(CommandError, match=named):
        call_command("campaign", "review", "--results", str(HILLSTROM), *args)


def test_cli_review_exits_non_zero_when_the_control_is_absent(tmp_path):
    env = {**os.environ, "DANGOL_DATA_DIR": str(tmp_path)}

    done = subprocess.run(  # noqa: S603 - a fixed argv, no shell
        [
            sys.executable, "-m", "dangol", "campaign", "review", "--results", str(HILLSTROM),
            "--arm-col", "segment", "--control", "Holdout", "--response-col", "visit", "--json",
        ],
        capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=120, check=False,
    )  # fmt: skip

    assert done.returncode == 1
    assert "Holdout" in done.stderr
    assert done.stdout == ""
