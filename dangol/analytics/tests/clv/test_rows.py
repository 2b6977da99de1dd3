"""Indexing of shared values: every row must map back to exactly its own values."""

from __future__ import annotations

import numpy as np

from dangol.analytics.clv._rows import DENSE_X_LIMIT, codes, distinct_pairs


def test_small_whole_numbers_index_themselves():
    found, values = codes(np.array([3.0, 0.0, 3.0, 1.0]))

    assert found.tolist() == [3, 0, 3, 1]
    assert values.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_fractions_and_large_values_are_hashed():
    data = np.array([0.5, 2.0, 0.5, DENSE_X_LIMIT + 10.0])

    found, values = codes(data)

    assert values[found].tolist() == data.tolist()
    assert len(values) == 3


def test_distinct_pairs_round_trip_on_both_paths():
    rng = np.random.default_rng(1)
    few_x = rng.integers(0, 20, 5000).astype(float)
    many_x = rng.integers(0, 400, 5000).astype(float)
    few_T = rng.integers(1, 60, 5000) / 7.0
    many_T = rng.random(5000) * 50.0
    # 20 x 59 keys: marked in a bincount; 400 x 5000 > 4 n + 1e6 keys: hashed.
    for x, big_t in ((few_x, few_T), (many_x, many_T)):
        pairs = distinct_pairs(x, big_t)
        assert np.array_equal(pairs.x[pairs.inverse], x)
        assert np.array_equal(pairs.T[pairs.inverse], big_t)
        assert len(pairs.x) == len({(a, b) for a, b in zip(x, big_t, strict=True)})
