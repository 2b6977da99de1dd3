"""The uplift view: hand-computed groups, bands, Hillstrom against a plain pandas count, CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from dangol.marketing.errors import MarketingErrorCode, ReviewInputError
from dangol.marketing.results import GroupTotals, band_labels, results_group_totals
from dangol.marketing.uplift import uplift_by_group, uplift_from_totals

REPO_ROOT = Path(__file__).resolve().parents[3]
HILLSTROM = REPO_ROOT.parent / "shared" / "data" / "hillstrom-email-test.csv"
UPLIFT_KEYS = [
    "by", "group", "arm", "n", "responders", "response_rate", "control_n",
    "control_responders", "control_rate", "uplift", "uplift_rel", "ci_low", "ci_high",
    "p_value",
]  # fmt: skip


def _hand_totals() -> list[GroupTotals]:
    return [
        GroupTotals("channel", "Web", "control", 100, 10),
        GroupTotals("channel", "Web", "A", 100, 20),
        GroupTotals("channel", "Web", "B", 50, 10),
        GroupTotals("channel", "Phone", "control", 200, 20),
        GroupTotals("channel", "Phone", "A", 100, 12),
        GroupTotals("channel", "Phone", "B", 100, 10),
        GroupTotals("channel", "Fax", "A", 10, 1),  # no control customer: left out
        GroupTotals("newbie", "1", "control", 300, 30),
        GroupTotals("newbie", "1", "A", 200, 32),
    ]


@pytest.fixture(scope="module")
def hillstrom() -> pd.DataFrame:
    return pd.read_csv(HILLSTROM)


def test_hand_computed_uplift_is_sorted_largest_first():
    rows = uplift_from_totals(totals=_hand_totals(), control="control")

    assert [(r.by, r.group, r.arm) for r in rows] == [
        ("channel", "Web", "A"),  # 0.20 - 0.10
        ("channel", "Web", "B"),  # 0.20 - 0.10
        ("newbie", "1", "A"),  # 0.16 - 0.10
        ("channel", "Phone", "A"),  # 0.12 - 0.10
        ("channel", "Phone", "B"),  # 0.10 - 0.10
    ]
    assert [round(r.uplift, 12) for r in rows] == [0.1, 0.1, 0.06, 0.02, 0.0]
    assert rows[2].control_n == 300
    assert rows[2].control_responders == 30
    assert rows[2].uplift_rel == pytest.approx(0.6, abs=1e-12)


def test_hand_computed_interval_and_test_of_one_group():
    web_a = uplift_from_totals(totals=_hand_totals(), control="control")[0]

    # Wald: sqrt(0.2 * 0.8 / 100 + 0.1 * 0.9 / 100) = sqrt(0.0025) = 0.05;
    # 0.1 -/+ 1.959964 * 0.05 = 0.002002 .. 0.197998.
    assert round(web_a.ci_low, 6) == 0.002002
    assert round(web_a.ci_high, 6) == 0.197998
    # Pooled: P = 30/200 = 0.15; se0 = sqrt(0.15 * 0.85 * 0.02) = 0.0504975;
    # z = 0.1 / se0 = 1.980295; p = 2 * (1 - Φ(z)) = 0.047670.
    assert round(web_a.p_value, 6) == 0.04767


def test_pooling_adds_the_treated_arms_together():
    rows = uplift_from_totals(totals=_hand_totals(), control="control", pool=True)

    assert [(r.by, r.group, r.arm, r.n, r.responders) for r in rows] == [
        ("channel", "Web", "A + B", 150, 30),  # 0.20 - 0.10
        ("newbie", "1", "A + B", 200, 32),  # 0.16 - 0.10
        ("channel", "Phone", "A + B", 200, 22),  # 0.11 - 0.10
    ]


def test_uplift_needs_the_control_and_a_treatment():
    with pytest.raises(ReviewInputError) as missing:
        uplift_from_totals(totals=_hand_totals(), control="holdout")
    with pytest.raises(ReviewInputError) as lonely:
        uplift_from_totals(totals=_hand_totals()[3:4], control="control")

    assert missing.value.code == MarketingErrorCode.CONTROL_NOT_FOUND
    assert "A, B, control" in missing.value.message
    assert lonely.value.code == MarketingErrorCode.NO_TREATMENT


def test_band_labels_close_each_band_on_the_right():
    assert band_labels([3, 6]) == ["(-inf, 3]", "(3, 6]", "(6, inf)"]
    assert band_labels([0.5]) == ["(-inf, 0.5]", "(0.5, inf)"]


def test_group_totals_cut_numeric_columns_into_bands():
    frame = pd.DataFrame(
        {
            "arm": ["c", "t", "c", "t", "t", "c"],
            "recency": [1, 3, 4, 7, 12, 6],
            "channel": ["Web", "Web", "Phone", "Web", "Phone", "Web"],
            "visit": [0, 1, 1, 1, 0, 0],
        }
    )

    totals = results_group_totals(
        source=frame, arm_col="arm", response_col="visit",
        by=["recency", "channel"], bands={"recency": [3, 6]},
    )  # fmt: skip

    assert totals == [
        GroupTotals("channel", "Phone", "c", 1, 1),
        GroupTotals("channel", "Phone", "t", 1, 0),
        GroupTotals("channel", "Web", "c", 2, 0),
        GroupTotals("channel", "Web", "t", 2, 2),
        GroupTotals("recency", "(-inf, 3]", "c", 1, 0),
        GroupTotals("recency", "(-inf, 3]", "t", 1, 1),
        GroupTotals("recency", "(3, 6]", "c", 2, 1),
        GroupTotals("recency", "(6, inf)", "t", 2, 1),
    ]


@pytest.mark.parametrize(
    ("by", "bands", "code", "named"),
    [
        (["region"], None, MarketingErrorCode.MISSING_COLUMN, "region"),
        (["channel"], {"channel": [1, 2]}, MarketingErrorCode.INVALID_GROUP, "channel"),
        (["recency"], {"recency": [6, 3]}, MarketingErrorCode.INVALID_PARAMETER, "recency"),
        ([], None, MarketingErrorCode.INVALID_PARAMETER, ""),
    ],
)
def test_bad_grouping_gives_a_clear_error(by, bands, code, named):
    frame = pd.DataFrame(
        {"arm": ["c", "t"], "recency": [1, 2], "channel": ["Web", "Phone"], "visit": [0, 1]}
    )

    with pytest.raises(ReviewInputError) as caught:
        results_group_totals(source=frame, arm_col="arm", response_col="visit", by=by, bands=bands)

    assert caught.value.code == code
    assert named in caught.value.message


def test_hillstrom_uplift_equals_a_plain_pandas_count(hillstrom):
    rows = uplift_by_group(
        source=HILLSTROM, arm_col="segment", control="No E-Mail", response_col="visit",
        by=["channel", "newbie", "womens"],
    )  # fmt: skip

    rates = hillstrom.groupby(["segment", "channel"])["visit"].mean()
    found = {(r.by, r.group, r.arm): r for r in rows}
    assert len(rows) == (3 + 2 + 2) * 2
    for channel in ("Phone", "Web", "Multichannel"):
        for arm in ("Mens E-Mail", "Womens E-Mail"):
            expected = rates[(arm, channel)] - rates[("No E-Mail", channel)]
            assert found[("channel", channel, arm)].uplift == pytest.approx(expected, abs=1e-12)
    sizes = hillstrom.groupby(["segment", "newbie"]).size()
    assert found[("newbie", "1", "Mens E-Mail")].n == sizes[("Mens E-Mail", 1)]
    assert found[("newbie", "1", "Mens E-Mail")].control_n == sizes[("No E-Mail", 1)]
    assert [r.uplift for r in rows] == sorted((r.uplift for r in rows), reverse=True)


def test_hillstrom_womens_email_moved_womens_buyers_most():
    rows = uplift_by_group(
        source=HILLSTROM, arm_col="segment", control="No E-Mail", response_col="visit",
        by=["womens"],
    )  # fmt: skip
    womens_email = {r.group: r for r in rows if r.arm == "Womens E-Mail"}

    # Visits: 18.45% vs 11.14% among past buyers of women's merchandise, 11.09% vs 9.98%
    # among the others.
    assert round(womens_email["1"].uplift * 100, 2) == 7.31
    assert round(womens_email["0"].uplift * 100, 2) == 1.11
    assert womens_email["1"].ci_low > womens_email["0"].ci_high


def test_hillstrom_recency_bands_partition_every_arm():
    totals = results_group_totals(
        source=HILLSTROM, arm_col="segment", response_col="visit",
        by=["recency"], bands={"recency": [3, 6, 9]},
    )  # fmt: skip

    per_arm: dict[str, int] = {}
    for t in totals:
        per_arm[t.arm] = per_arm.get(t.arm, 0) + t.n
    assert per_arm == {"Mens E-Mail": 21307, "No E-Mail": 21306, "Womens E-Mail": 21387}
    assert sorted({t.group for t in totals}) == ["(-inf, 3]", "(3, 6]", "(6, 9]", "(9, inf)"]


def test_cli_uplift_prints_json_rows():
    out = io.StringIO()

    call_command(
        "campaign", "uplift", "--results", str(HILLSTROM), "--arm-col", "segment",
        "--control", "No E-Mail", "--response-col", "visit", "--by", "recency",
        "--by", "history_segment", "--band", "recency=3,6,9", "--pool", "--json",
        stdout=out,
    )  # fmt: skip

    rows = json.loads(out.getvalue())
    assert len(rows) == 4 + 7
    assert all(list(r) == UPLIFT_KEYS for r in rows)
    assert {r["arm"] for r in rows} == {"Mens E-Mail + Womens E-Mail"}
    assert rows[0]["by"] == "history_segment"
    assert rows[0]["group"] == "5) $500 - $750"


def test_cli_uplift_rejects_a_malformed_band():
    with pytest.raises(CommandError, match="recency:3"):
        call_command(
            "campaign", "uplift", "--results", str(HILLSTROM), "--arm-col", "segment",
            "--control", "No E-Mail", "--response-col", "visit", "--by", "recency",
            "--band", "recency:3",
        )  # fmt: skip
