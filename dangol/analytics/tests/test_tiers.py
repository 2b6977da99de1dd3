"""Lorenz curve, Gini coefficient and value tiers on the hand-made RFM warehouse.

Customer c (1..10) brings 1,000 * c won of revenue and 400 * c of margin in the window.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from dangol.analytics.errors import ValidationError
from dangol.analytics.tests.test_rfm import AS_OF, warehouse  # noqa: F401 (fixture)
from dangol.analytics.tiers import pareto, tier_summary, value_tiers


def reference_gini(values: list[float]) -> float:
    xs = sorted(values)
    n = len(xs)
    return 2 * sum((i + 1) * x for i, x in enumerate(xs)) / (n * sum(xs)) - (n + 1) / n


def test_tiers_by_margin(warehouse):  # noqa: F811
    rows = value_tiers(con=warehouse, as_of=AS_OF).to_pylist()
    assert {r["customer_id"]: r["tier"] for r in rows} == {
        **dict.fromkeys([10, 9], "top"),
        **dict.fromkeys([8, 7, 6, 5, 4], "middle"),
        **dict.fromkeys([3, 2, 1], "bottom"),
    }
    by_id = {r["customer_id"]: r for r in rows}
    assert (by_id[10]["rank"], int(by_id[10]["margin"]), int(by_id[10]["revenue"])) == (
        1,
        4000,
        10000,
    )
    # Customer 5's tea lines: 2 x (500 - 300) + 4 x 400.
    assert int(by_id[5]["margin"]) == 2000


def test_tier_summary_shares(warehouse):  # noqa: F811
    rows = tier_summary(con=warehouse, as_of=AS_OF)
    assert [(r["tier"], r["customers"]) for r in rows] == [
        ("top", 2),
        ("middle", 5),
        ("bottom", 3),
    ]
    shares = {r["tier"]: (r["revenue_share"], r["margin_share"]) for r in rows}
    assert shares["top"] == pytest.approx((19 / 55, 19 / 55))
    assert shares["middle"] == pytest.approx((30 / 55, 30 / 55))
    assert shares["bottom"] == pytest.approx((6 / 55, 6 / 55))
    assert [r["customer_share"] for r in rows] == pytest.approx([0.2, 0.5, 0.3])


def test_cut_points_are_configurable(warehouse, settings):  # noqa: F811
    settings.DANGOL_VALUE_TIER_CUTS = (0.1, 0.3)
    counts = [r["customers"] for r in tier_summary(con=warehouse, as_of=AS_OF)]
    assert counts == [1, 3, 6]
    tiers = {
        r["customer_id"]: r["tier"]
        for r in value_tiers(con=warehouse, as_of=AS_OF, cuts=(0.5, 0.5)).to_pylist()
    }
    assert sorted(c for c, t in tiers.items() if t == "top") == [6, 7, 8, 9, 10]
    assert "bottom" not in tiers.values()


@pytest.mark.parametrize("cuts", [(0.0, 0.5), (0.6, 0.5), (0.2,), ("a", 0.1)])
def test_bad_cuts_are_rejected(warehouse, cuts):  # noqa: F811
    with pytest.raises(ValidationError) as err:
        tier_summary(con=warehouse, as_of=AS_OF, cuts=cuts)
    assert err.value.field == "cuts"


def test_gini_exact(warehouse):  # noqa: F811
    result = pareto(con=warehouse, as_of=AS_OF, points=10)
    # Sorted revenue 1000 * i: G = 2 * sum(i^2) / (n * sum(i)) - (n + 1) / n
    #   = 2 * 385 / 550 - 1.1 = 0.3 exactly; margin is 400 * i: the same.
    assert result["gini_revenue"] == pytest.approx(0.3, abs=1e-12)
    assert result["gini_margin"] == pytest.approx(0.3, abs=1e-12)
    assert result["customers"] == 10
    assert result["revenue"] == 55000
    assert result["gini_revenue"] == pytest.approx(
        reference_gini([1000.0 * i for i in range(1, 11)])
    )


def test_lorenz_points(warehouse):  # noqa: F811
    result = pareto(con=warehouse, as_of=AS_OF, points=10)
    lorenz = result["lorenz"]
    assert [p["percentile"] for p in lorenz] == list(range(11))
    assert [p["customers"] for p in lorenz] == list(range(11))
    for p in lorenz:
        k = p["customers"]
        low = Fraction(k * (k + 1), 2 * 55)
        high = Fraction(sum(range(11 - k, 11)), 55)
        assert p["revenue_lorenz"] == pytest.approx(float(low))
        assert p["margin_lorenz"] == pytest.approx(float(low))
        assert p["revenue_top"] == pytest.approx(float(high))
    assert lorenz[2]["revenue_top"] == pytest.approx(19 / 55)
    assert (lorenz[0]["revenue_lorenz"], lorenz[10]["revenue_lorenz"]) == (0.0, 1.0)


def test_default_hundred_points_and_empty_window(warehouse):  # noqa: F811
    assert len(pareto(con=warehouse, as_of=AS_OF)["lorenz"]) == 101
    import datetime as dt

    empty = pareto(con=warehouse, as_of=dt.date(2000, 1, 1))
    assert (empty["customers"], empty["gini_revenue"]) == (0, None)
    assert [r["customers"] for r in tier_summary(con=warehouse, as_of=dt.date(2000, 1, 1))] == [
        0,
        0,
        0,
    ]
