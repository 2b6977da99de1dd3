"""The association-rule miner and ``dangol crosssell rules``, proved on Groceries."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from django.core.management import CommandError, call_command

from dangol.analytics.crosssell.rules import Itemset, baskets_mine
from dangol.analytics.errors import AnalyticsErrorCode, AnalyticsInputError

REPO_ROOT = Path(__file__).resolve().parents[3]
GROCERIES = REPO_ROOT.parent / "shared" / "data" / "groceries-baskets.csv"

# Eight baskets small enough to count by hand (see test_tiny_example_*).
TINY = [
    (1, "a"), (1, "b"), (1, "c"),
    (2, "a"), (2, "b"),
    (3, "a"), (3, "c"),
    (4, "b"), (4, "c"),
    (5, "a"), (5, "b"), (5, "c"), (5, "d"),
    (6, "d"), (6, "e"),
    (7, "d"), (7, "e"),
    (8, "e"),
]  # fmt: skip


def _tiny_frame() -> pd.DataFrame:
    return pd.DataFrame(TINY, columns=["basket", "item"])


@pytest.fixture(scope="module")
def groceries():
    return baskets_mine(
        source=GROCERIES,
        basket_col="basket_id",
        item_col="item",
        min_support=0.01,
        min_confidence=0.5,
    )


def test_tiny_example_itemsets_are_counted_exactly():
    mining = baskets_mine(
        source=_tiny_frame(), basket_col="basket", item_col="item",
        min_support=0.25, min_confidence=0.6,
    )  # fmt: skip

    # a, b, c are each in 4 of 8 baskets; d and e in 3; ab, ac, bc in 3; de in 2; abc in 2
    # (baskets 1 and 5). ad, bd, cd are in one basket only, below 0.25 * 8 = 2.
    assert mining.n_baskets == 8
    assert mining.n_items == 5
    assert mining.itemsets == [
        Itemset(("a",), 4, 0.5),
        Itemset(("b",), 4, 0.5),
        Itemset(("c",), 4, 0.5),
        Itemset(("d",), 3, 0.375),
        Itemset(("e",), 3, 0.375),
        Itemset(("a", "b"), 3, 0.375),
        Itemset(("a", "c"), 3, 0.375),
        Itemset(("b", "c"), 3, 0.375),
        Itemset(("d", "e"), 2, 0.25),
        Itemset(("a", "b", "c"), 2, 0.25),
    ]


def test_tiny_example_rules_have_hand_computed_measures_in_lift_order():
    mining = baskets_mine(
        source=_tiny_frame(), basket_col="basket", item_col="item",
        min_support=0.25, min_confidence=0.6,
    )  # fmt: skip

    # d => e: support 2/8, confidence 2/3, lift (2/3) / (3/8) = 16/9.
    # a => b: support 3/8, confidence 3/4, lift (3/4) / (4/8) = 3/2.
    # a, b => c: support 2/8, confidence 2/3, lift (2/3) / (4/8) = 4/3.
    pair = {"count": 3, "support": 0.375, "confidence": 0.75, "lift": 1.5}
    triple = {"count": 2, "support": 0.25, "confidence": 2 / 3, "lift": 4 / 3}
    de = {"count": 2, "support": 0.25, "confidence": 2 / 3, "lift": 16 / 9}
    expected = [
        (("d",), ("e",), de),
        (("e",), ("d",), de),
        (("a",), ("b",), pair),
        (("a",), ("c",), pair),
        (("b",), ("a",), pair),
        (("b",), ("c",), pair),
        (("c",), ("a",), pair),
        (("c",), ("b",), pair),
        (("a", "b"), ("c",), triple),
        (("a", "c"), ("b",), triple),
        (("b", "c"), ("a",), triple),
    ]
    assert [(r.antecedent, r.consequent) for r in mining.rules] == [e[:2] for e in expected]
    for rule, (_, _, measures) in zip(mining.rules, expected, strict=True):
        assert rule.count == measures["count"]
        assert rule.support == pytest.approx(measures["support"], abs=1e-12)
        assert rule.confidence == pytest.approx(measures["confidence"], abs=1e-12)
        assert rule.lift == pytest.approx(measures["lift"], abs=1e-12)


def test_thresholds_and_max_length_cut_rules():
    frame = _tiny_frame()

    strict = baskets_mine(
        source=frame, basket_col="basket", item_col="item", min_support=0.25, min_confidence=0.7
    )
    short = baskets_mine(
        source=frame, basket_col="basket", item_col="item",
        min_support=0.25, min_confidence=0.6, max_length=2,
    )  # fmt: skip
    singles = baskets_mine(
        source=frame, basket_col="basket", item_col="item",
        min_support=0.25, min_confidence=0.0, max_length=1,
    )  # fmt: skip

    assert [(r.antecedent, r.consequent) for r in strict.rules] == [
        (("a",), ("b",)), (("a",), ("c",)), (("b",), ("a",)),
        (("b",), ("c",)), (("c",), ("a",)), (("c",), ("b",)),
    ]  # fmt: skip
    assert len(short.rules) == 8
    assert max(len(s.items) for s in short.itemsets) == 2
    assert singles.rules == []
    assert [s.items for s in singles.itemsets] == [("a",), ("b",), ("c",), ("d",), ("e",)]


def test_pandas_arrow_and_csv_inputs_agree(tmp_path):
    path = tmp_path / "tiny.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["basket", "item"])
        writer.writerows(TINY)
    frame = _tiny_frame()
    kwargs = {"basket_col": "basket", "item_col": "item", "min_support": 0.25}

    from_csv = baskets_mine(source=path, min_confidence=0.6, **kwargs)
    from_pandas = baskets_mine(source=frame, min_confidence=0.6, **kwargs)
    from_arrow = baskets_mine(source=pa.Table.from_pandas(frame), min_confidence=0.6, **kwargs)

    assert from_csv.rules == from_pandas.rules == from_arrow.rules
    assert len(from_csv.rules) == 11


def test_column_names_are_quoted_not_spliced():
    frame = _tiny_frame().rename(columns={"basket": 'bas"ket; DROP', "item": "item name"})

    mining = baskets_mine(
        source=frame, basket_col='bas"ket; DROP', item_col="item name",
        min_support=0.25, min_confidence=0.6,
    )  # fmt: skip

    assert len(mining.rules) == 11


def test_repeated_rows_count_once():
    frame = pd.concat([_tiny_frame(), _tiny_frame()])

    mining = baskets_mine(
        source=frame, basket_col="basket", item_col="item", min_support=0.25, min_confidence=0.6
    )

    assert mining.itemsets[0] == Itemset(("a",), 4, 0.5)


def test_missing_column_is_a_clear_error():
    with pytest.raises(AnalyticsInputError) as caught:
        baskets_mine(
            source=_tiny_frame(), basket_col="order", item_col="item",
            min_support=0.1, min_confidence=0.5,
        )  # fmt: skip

    assert caught.value.code == AnalyticsErrorCode.MISSING_COLUMN
    assert caught.value.field == "--basket-col"
    assert "order" in caught.value.message
    assert "basket, item" in caught.value.message


@pytest.mark.parametrize(
    ("support", "confidence", "length", "field"),
    [
        (0, 0.5, None, "min_support"),
        (0.1, 1.5, None, "min_confidence"),
        (0.1, 0.5, 0, "max_length"),
    ],
)
def test_out_of_range_thresholds_are_rejected(support, confidence, length, field):
    with pytest.raises(AnalyticsInputError) as caught:
        baskets_mine(
            source=_tiny_frame(), basket_col="basket", item_col="item",
            min_support=support, min_confidence=confidence, max_length=length,
        )  # fmt: skip

    assert caught.value.code == AnalyticsErrorCode.INVALID_PARAMETER
    assert caught.value.field == field


def test_groceries_whole_milk_support_matches_published(groceries):
    whole_milk = next(s for s in groceries.itemsets if s.items == ("whole milk",))

    assert groceries.n_baskets == 9835
    assert groceries.n_items == 169
    assert whole_milk.count == 2513
    assert round(whole_milk.support, 4) == 0.2555


def test_groceries_has_the_published_fifteen_rules(groceries):
    assert len(groceries.rules) == 15
    assert all(len(r.consequent) == 1 for r in groceries.rules)
    assert all(r.support >= 0.01 and r.confidence >= 0.5 for r in groceries.rules)
    assert {r.consequent for r in groceries.rules} == {("other vegetables",), ("whole milk",)}


def test_groceries_citrus_rule_matches_published(groceries):
    top = groceries.rules[0]

    assert top.antecedent == ("citrus fruit", "root vegetables")
    assert top.consequent == ("other vegetables",)
    assert top.count == 102
    assert f"{top.support:.3g}" == "0.0104"
    assert f"{top.confidence:.3g}" == "0.586"
    assert f"{top.lift:.3g}" == "3.03"


def test_groceries_itemsets_equal_a_plain_python_count(groceries):
    baskets: dict[str, set[str]] = {}
    with GROCERIES.open(newline="") as handle:
        for row in csv.DictReader(handle):
            baskets.setdefault(row["basket_id"], set()).add(row["item"])
    min_count = 99  # ceil(0.01 * 9835)
    singles = Counter(item for items in baskets.values() for item in items)
    frequent = {item for item, n in singles.items() if n >= min_count}
    counts: Counter[tuple[str, ...]] = Counter()
    for items in baskets.values():
        kept = sorted(items & frequent)
        for size in (1, 2, 3, 4):
            counts.update(combinations(kept, size))
    expected = {items: n for items, n in counts.items() if n >= min_count}

    assert {s.items: s.count for s in groceries.itemsets} == expected
    for rule in groceries.rules:
        both = tuple(sorted(rule.antecedent + rule.consequent))
        assert rule.confidence == pytest.approx(expected[both] / expected[rule.antecedent])
        assert rule.lift == pytest.approx(
            rule.confidence / (expected[rule.consequent] / len(baskets))
        )


def test_deep_itemsets_equal_a_brute_force_count():
    rng = np.random.default_rng(7)
    # 400 baskets over 12 items with skewed popularity: itemsets grow to five items or more.
    weights = np.linspace(0.7, 0.1, 12)
    rows = [
        (basket, f"item{item:02d}")
        for basket in range(400)
        for item in range(12)
        if rng.random() < weights[item]
    ]
    frame = pd.DataFrame(rows, columns=["basket", "item"])
    baskets: dict[int, list[str]] = {}
    for basket, item in rows:
        baskets.setdefault(basket, []).append(item)
    counts: Counter[tuple[str, ...]] = Counter()
    for items in baskets.values():
        for size in range(1, len(items) + 1):
            counts.update(combinations(sorted(items), size))
    expected = {items: n for items, n in counts.items() if n >= 20}  # 0.05 * 400

    mining = baskets_mine(
        source=frame, basket_col="basket", item_col="item", min_support=0.05, min_confidence=0.9
    )

    assert max(len(items) for items in expected) >= 5
    assert {s.items: s.count for s in mining.itemsets} == expected
    for rule in mining.rules:
        both = tuple(sorted(rule.antecedent + rule.consequent))
        assert rule.confidence == pytest.approx(expected[both] / expected[rule.antecedent])
        assert rule.confidence >= 0.9


def test_cli_prints_the_rules_as_json():
    out = io.StringIO()

    call_command(
        "crosssell", "rules", "--transactions", str(GROCERIES),
        "--basket-col", "basket_id", "--item-col", "item",
        "--min-support", "0.01", "--min-confidence", "0.5", "--json",
        stdout=out,
    )  # fmt: skip

    rules = json.loads(out.getvalue())
    assert len(rules) == 15
    assert all(
        list(r) == ["antecedent", "consequent", "support", "confidence", "lift"] for r in rules
    )
    assert rules[0]["antecedent"] == ["citrus fruit", "root vegetables"]
    assert rules[0]["consequent"] == ["other vegetables"]
    assert rules[0]["support"] == pytest.approx(102 / 9835, abs=1e-15)
    assert all(isinstance(r["lift"], float) for r in rules)


def test_cli_max_length_limits_rule_size():
    out = io.StringIO()

    call_command(
        "crosssell", "rules", "--transactions", str(GROCERIES),
        "--basket-col", "basket_id", "--item-col", "item",
        "--min-support", "0.01", "--min-confidence", "0.4", "--max-length", "2", "--json",
        stdout=out,
    )  # fmt: skip

    rules = json.loads(out.getvalue())
    assert rules  # e.g. {butter} => {whole milk} at confidence 0.497
    assert all(len(r["antecedent"]) == 1 for r in rules)


def test_cli_bad_column_names_the_column():
    with pytest.raises(CommandError, match="basket") as caught:
        call_command(
            "crosssell", "rules", "--transactions", str(GROCERIES),
            "--basket-col", "basket", "--item-col", "item",
            "--min-support", "0.01", "--min-confidence", "0.5", "--json",
        )  # fmt: skip

    assert "--basket-col" in str(caught.value)


def test_cli_exits_non_zero_on_a_bad_column(tmp_path):
    env = {**os.environ, "DANGOL_DATA_DIR": str(tmp_path)}

    done = subprocess.run(  # noqa: S603 - a fixed argv, no shell
        [
            sys.executable, "-m", "dangol", "crosssell", "rules",
            "--transactions", str(GROCERIES), "--basket-col", "basket_id",
            "--item-col", "product", "--min-support", "0.01", "--min-confidence", "0.5",
        ],
        capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=120, check=False,
    )  # fmt: skip

    assert done.returncode == 1
    assert "product" in done.stderr
    assert done.stdout == ""
