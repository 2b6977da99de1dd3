"""Exact recommendations and evaluation figures on the hand-made basket set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dangol.analytics.recommend import engine
from dangol.analytics.recommend.data import engine_from_frames
from dangol.analytics.tests.recommend import baskets as b

SETTINGS = engine.RecommendSettings(top_n=10, rule_min_support=0.25, rule_min_confidence=0.01)


@pytest.fixture
def train_con():
    con = engine_from_frames(tx=b.tx_frame(before=b.SPLIT), product=b.product_frame())
    yield con
    con.close()


@pytest.fixture
def full_con():
    con = engine_from_frames(tx=b.tx_frame(), product=b.product_frame())
    yield con
    con.close()


def _approx(expected):
    return {c: [(p, pytest.approx(s)) for p, s in recs] for c, recs in expected.items()}


@pytest.mark.parametrize(
    ("method", "expected"),
    [("cosine", b.COSINE), ("popularity", b.POPULARITY), ("rules", b.RULES)],
)
def test_cross_sell_matches_hand_computation(train_con, method, expected):
    recs = engine.cross_sell_top_n(train_con, method=method, settings=SETTINGS)
    assert b.as_lists(recs) == _approx(expected)


def test_cross_sell_leaves_out_owned_and_inactive_products(train_con):
    recs = engine.cross_sell_top_n(train_con, method="cosine", settings=SETTINGS)
    owned = b.tx_frame(before=b.SPLIT)[["customer_id", "product_id"]].drop_duplicates()
    assert recs.merge(owned, on=["customer_id", "product_id"]).empty
    assert 5 not in set(recs["product_id"])  # butter is inactive, though bought with 1, 3, 4


def test_top_n_cuts_the_list(train_con):
    recs = engine.cross_sell_top_n(train_con, method="cosine", settings=SETTINGS, top_n=1)
    assert b.as_lists(recs) == _approx({c: r[:1] for c, r in b.COSINE.items()})


def test_cosine_similarity_by_hand(train_con):
    matrix = engine.purchase_matrix(train_con)
    sim = engine.cosine_similarity(matrix.x).toarray()
    col = {int(p): i for i, p in enumerate(matrix.products)}
    assert sim[col[1], col[3]] == pytest.approx(2 / 3)
    assert sim[col[1], col[4]] == pytest.approx(2 / b.S6)
    assert sim[col[3], col[4]] == pytest.approx(1 / b.S6)
    assert sim[col[3], col[6]] == pytest.approx(1 / b.S3)
    assert sim[col[2], :].sum() == 0  # never bought
    assert np.diag(sim).sum() == 0


def test_upsell_picks_dearer_or_higher_margin_products_of_the_same_category(train_con):
    recs = engine.upsell_top_n(train_con, top_n=10)
    assert b.as_lists(recs) == _approx(b.UPSELL)
    # Only Milk has dearer products; cheese (3000) is never an up-sell of milk.
    assert set(recs["product_id"]) == {1, 2, 6}


def test_test_items_are_new_purchases_of_customers_with_history(full_con):
    truth = engine.test_items(full_con, split_date=b.SPLIT)
    assert truth.values.tolist() == [[10, 2], [10, 4], [12, 6]]


def test_hit_curves_by_hand():
    truth = pd.DataFrame({"customer_id": [10, 10, 12], "product_id": [2, 4, 6]})
    recs = pd.DataFrame(
        {"customer_id": [10, 10, 12, 12], "product_id": [4, 6, 3, 6], "rank": [1, 2, 1, 2]}
    )
    curves = engine.hit_curves(recs, truth, ks=[1, 2, 3])
    assert curves["hit_rate"] == [0.5, 1.0, 1.0]
    assert curves["precision"] == pytest.approx([0.5, 0.5, 1 / 3])
    assert curves["recall"] == pytest.approx([0.25, 0.75, 0.75])


def test_evaluate_on_the_time_split_by_hand(full_con):
    evaluation = engine.evaluate(full_con, split_date=b.SPLIT, settings=SETTINGS, k_max=3)
    assert evaluation.test_customers == 2  # 10 and 12; 13 bought nothing new, 14 no history
    # Popularity trained before the split: 10 -> [4, 6], 12 -> [3, 6].
    assert evaluation.curves["popularity"]["hit_rate"] == [0.5, 1.0, 1.0]
    assert evaluation.curves["popularity"]["precision"] == pytest.approx([0.5, 0.5, 1 / 3])
    # Cosine: 10 -> [4, 6], 12 -> [3]: customer 12's organic milk is never found.
    assert evaluation.curves["cosine"]["hit_rate"] == [0.5, 0.5, 0.5]
    assert evaluation.curves["cosine"]["precision"] == pytest.approx([0.5, 0.25, 1 / 6])
    assert evaluation.curves["cosine"]["recall"] == pytest.approx([0.25, 0.25, 0.25])
    # Rules: 10 -> [4, 6], 12 -> [3].
    assert evaluation.curves["rules"]["hit_rate"] == [0.5, 0.5, 0.5]
    assert evaluation.at(2)["popularity"] == {
        "hit_rate": 1.0,
        "precision": 0.5,
        "recall": 0.75,
    }


def test_evaluation_charts_use_the_model_page_format(full_con):
    evaluation = engine.evaluate(full_con, split_date=b.SPLIT, settings=SETTINGS, k_max=3)
    labels = {m: m for m in engine.METHODS} | {
        "hit_rate": "hit",
        "precision": "prec",
        "hit_rate_title": "H",
        "precision_title": "P",
        "methods_title": "M",
    }
    charts = engine.evaluation_charts(evaluation, k=2, labels=labels)
    assert charts["hit_rate_at_k"] == {
        "type": "line",
        "title": "H",
        "x": [1, 2, 3],
        "series": {
            "popularity": [0.5, 1.0, 1.0],
            "rules": [0.5, 0.5, 0.5],
            "cosine": [0.5, 0.5, 0.5],
        },
    }
    assert charts["methods_at_k"]["type"] == "bar"
    assert charts["methods_at_k"]["x"] == ["popularity", "rules", "cosine"]
    assert charts["methods_at_k"]["series"] == {"hit": [1.0, 0.5, 0.5], "prec": [0.5, 0.25, 0.25]}
