"""The SEMMA steps' computations on data small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dangol.analytics.response import semma


def test_assess_by_hand():
    # 20 rows, 4 responders; scores put two responders in the top decile (rows 0 and 1).
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    scores = np.linspace(1.0, 0.05, 20)  # strictly decreasing: row order is score order
    metrics, charts = semma.assess(y, scores)
    assert metrics["response_rate"] == 0.2
    assert metrics["top_decile_response_rate"] == 1.0
    assert metrics["top_decile_lift"] == 5.0  # 100% in the top 10% / 20% overall
    assert metrics["decile_lift"] == [5.0, 0.0, 2.5, 0, 0, 0, 0, 0, 0, 2.5]
    # AUC: of the 4 x 16 responder/non-responder pairs the responder ranks higher in
    # 16 + 16 + 14 (row 4 is below rows 2, 3) + 0 (row 19 is last) = 46.
    assert metrics["auc"] == pytest.approx(46 / 64)
    assert charts["gain"]["x"] == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert charts["gain"]["series"]["model"] == [
        0,
        0.5,
        0.5,
        0.75,
        0.75,
        0.75,
        0.75,
        0.75,
        0.75,
        0.75,
        1.0,
    ]
    assert charts["gain"]["series"]["random"][1] == 0.1
    assert charts["lift"]["type"] == "bar" and charts["lift"]["x"] == list(range(1, 11))
    assert metrics["cumulative_lift"][1] == pytest.approx(2.5)  # 2 of 4 in the top 20%


def test_sample_split_is_stratified_and_repeatable():
    y = np.array([1] * 30 + [0] * 70)
    split = semma.sample_split(y, validation_share=0.3, seed=7)
    assert len(split.valid) == 30 and y[split.valid].sum() == 9
    assert y[split.train].sum() == 21
    again = semma.sample_split(y, validation_share=0.3, seed=7)
    assert np.array_equal(split.valid, again.valid)
    other = semma.sample_split(y, validation_share=0.3, seed=8)
    assert not np.array_equal(split.valid, other.valid)
    assert semma.sample_summary(y, split)["valid"] == {
        "rows": 30,
        "responders": 9,
        "response_rate": 0.3,
    }


def test_response_vector_refuses_non_binary_and_single_class():
    with pytest.raises(semma.SemmaError, match="only 0 and 1"):
        semma.response_vector(pd.DataFrame({"r": [0, 2]}), "r")
    with pytest.raises(semma.SemmaError, match="one class"):
        semma.response_vector(pd.DataFrame({"r": [1, 1]}), "r")
    with pytest.raises(semma.SemmaError, match="no column"):
        semma.response_vector(pd.DataFrame({"r": [1, 0]}), "x")
    assert semma.response_vector(pd.DataFrame({"r": [True, False]}), "r").tolist() == [1, 0]


def test_rows_filter_keeps_listed_values():
    frame = pd.DataFrame({"seg": ["a", "b", "c", "a"], "n": [1, 2, 3, 4]})
    assert semma.rows_filter(frame, {"seg": ["a", "c"]})["n"].tolist() == [1, 3, 4]
    assert semma.rows_filter(frame, {})["n"].tolist() == [1, 2, 3, 4]


def test_explore_by_hand():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, np.nan], "g": ["a", "a", "b", None, "a"]})
    y = np.array([1, 0, 1, 0, 1])
    out = semma.explore(frame, y, columns=["x", "g"], rows=np.arange(5))
    x, g = out
    assert (x["kind"], x["missing"], x["mean"], x["median"], x["distinct"]) == (
        "numeric",
        1,
        2.5,
        2.5,
        4,
    )
    # Four distinct values: a level each (and the missing row as its own level).
    assert [(lv["level"], lv["rows"], lv["response_rate"]) for lv in x["levels"]][:4] == [
        ("1.0", 1, 1.0),
        ("2.0", 1, 0.0),
        ("3.0", 1, 1.0),
        ("4.0", 1, 0.0),
    ]
    assert g["kind"] == "categorical"
    # Most frequent first; equal counts keep the order of first appearance.
    assert [(lv["level"], lv["rows"]) for lv in g["levels"]] == [
        ("a", 3),
        ("b", 1),
        ("(missing)", 1),
    ]
    assert g["levels"][0]["response_rate"] == pytest.approx(2 / 3)
    assert g["chart"]["type"] == "bar" and g["chart"]["x"] == ["a", "b", "(missing)"]


def test_features_check_validates_transforms():
    frame = pd.DataFrame({"x": [1.0, 2.0], "g": ["a", "b"]})
    assert semma.features_check(frame, [{"name": "x", "transform": "bin", "bins": 3}]) == [
        {"name": "x", "transform": "bin", "bins": 3}
    ]
    for bad, message in [
        ([{"name": "g", "transform": "log"}], "not numeric"),
        ([{"name": "y"}], "no column"),
        ([{"name": "x"}, {"name": "x"}], "twice"),
        ([{"name": "x", "transform": "square"}], "unknown transform"),
        ([], "at least one"),
    ]:
        with pytest.raises(semma.SemmaError, match=message):
            semma.features_check(frame, bad)


def test_modify_transforms_shape_the_design_matrix():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "spend": rng.gamma(2.0, 50.0, 200),
            "age": rng.integers(20, 70, 200).astype(float),
            "city": rng.choice(["seoul", "busan", "daegu"], 200),
        }
    )
    y = (frame["spend"] > 100).astype(int).to_numpy()
    features = [
        {"name": "spend", "transform": "log"},
        {"name": "age", "transform": "bin", "bins": 4},
        {"name": "city", "transform": "onehot"},
    ]
    model = semma.model_fit(
        frame, y, features=features, algorithm="logistic", rows=np.arange(200), seed=1
    )
    assert semma.feature_names(model) == [
        "spend__spend",
        "age__age_0.0",
        "age__age_1.0",
        "age__age_2.0",
        "age__age_3.0",
        "city__city_busan",
        "city__city_daegu",
        "city__city_seoul",
    ]
    # An unseen city scores without error; spend alone separates the classes.
    probe = pd.DataFrame({"spend": [10.0, 500.0], "age": [30.0, 30.0], "city": ["jeju", "seoul"]})
    low, high = model.predict(probe)
    assert low < 0.2 < 0.8 < high
