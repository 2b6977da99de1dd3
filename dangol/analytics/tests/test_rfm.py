"""RFM scores, segments, distribution and migration on a hand-made warehouse."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import duckdb
import pytest

from dangol.analytics.errors import ValidationError
from dangol.analytics.rfm import (
    NO_SEGMENT,
    SEGMENT_RULES,
    SEGMENTS,
    rfm_distribution,
    rfm_migration,
    rfm_scores,
    segment_for,
)
from dangol.analytics.tests.warehouse_fixture import build_test_warehouse

AS_OF = dt.date(2025, 12, 31)
LATER = AS_OF + dt.timedelta(days=200)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


def tiny_sales() -> list[dict]:
    """Customer c (1..10) buys c times, 1,000 won each (400 margin); last buy 10*c days ago.

    Noise that must not count: a cancelled and a returned order, an order after the as-of
    date, customer 11 buying only 400 days before, and customer 5's first order split over
    two lines of 500 won (one order, same revenue).
    """
    sales = []
    line = order = 0

    def add(customer, day, product=10, status="delivered", quantity=1, price="1000", new=True):
        nonlocal line, order
        line += 1
        if new:
            order += 1
        sales.append(
            {
                "order_line_id": line,
                "order_id": order,
                "customer_id": customer,
                "product_id": product,
                "ordered_at": _at(day),
                "status": status,
                "quantity": quantity,
                "unit_price": price,
            }
        )

    for c in range(1, 11):
        for k in range(c):
            day = AS_OF - dt.timedelta(days=10 * c + k)
            if c == 5 and k == 0:
                add(c, day, product=11, price="500")
                add(c, day, product=11, price="500", new=False)
            else:
                add(c, day)
    add(3, AS_OF, status="cancelled")
    add(1, AS_OF, status="returned")
    add(2, AS_OF + dt.timedelta(days=1))
    add(11, AS_OF - dt.timedelta(days=400))
    return sales


PRODUCTS = [
    {
        "product_id": 10,
        "sku": "A",
        "name": "Kimchi",
        "category_path": "Food > Kimchi",
        "unit_price": "1000",
        "unit_cost": "600",
    },
    {
        "product_id": 11,
        "sku": "B",
        "name": "Tea",
        "category_path": "Drinks > Tea",
        "unit_price": "500",
        "unit_cost": "300",
    },
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = build_test_warehouse(
        tmp_path_factory.mktemp("rfm") / "wh.duckdb",
        customers=[{"customer_id": c} for c in range(1, 13)],
        products=PRODUCTS,
        sales=tiny_sales(),
        reference_date=AS_OF,
    )
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _ntile(keys: dict[int, tuple], buckets: int = 5) -> dict[int, int]:
    """NTILE as SQL defines it: the first n % buckets groups get one row more."""
    ordered = sorted(keys, key=lambda c: (keys[c], c))
    n = len(ordered)
    size, extra = divmod(n, buckets)
    out, pos = {}, 0
    for b in range(buckets):
        for _ in range(size + (1 if b < extra else 0)):
            out[ordered[pos]] = b + 1
            pos += 1
    return out


def reference_rfm(sales: list[dict], as_of: dt.date, window: int) -> dict[int, dict]:
    """Plain-Python RFM over the same rows, as the docs define it."""
    per: dict[int, dict] = {}
    for s in sales:
        day = s["ordered_at"].date()
        if s["status"] in ("cancelled", "returned") or not (
            as_of - dt.timedelta(days=window) < day <= as_of
        ):
            continue
        row = per.setdefault(s["customer_id"], {"last": day, "orders": set(), "money": 0})
        row["last"] = max(row["last"], day)
        row["orders"].add(s["order_id"])
        row["money"] += s["quantity"] * int(s["unit_price"])
    r = _ntile({c: (-(as_of - v["last"]).days,) for c, v in per.items()})
    f = _ntile({c: (len(v["orders"]),) for c, v in per.items()})
    m = _ntile({c: (v["money"],) for c, v in per.items()})
    return {
        c: {
            "recency_days": (as_of - v["last"]).days,
            "frequency": len(v["orders"]),
            "monetary": v["money"],
            "r": r[c],
            "f": f[c],
            "m": m[c],
            "segment": segment_for(r[c], (f[c] + m[c]) // 2),
        }
        for c, v in per.items()
    }


def test_rules_cover_every_cell_once_in_the_documented_grid():
    grid = {r: [segment_for(r, fm) for fm in range(1, 6)] for r in range(5, 0, -1)}
    assert grid == {
        5: ["new", "potential_loyalist", "loyal", "champions", "champions"],
        4: ["promising", "potential_loyalist", "loyal", "champions", "champions"],
        3: ["promising", "need_attention", "loyal", "loyal", "loyal"],
        2: ["about_to_sleep", "need_attention", "at_risk", "at_risk", "at_risk"],
        1: ["lost", "hibernating", "at_risk", "cannot_lose", "cannot_lose"],
    }
    used = {segment_for(r, fm) for r in range(1, 6) for fm in range(1, 6)}
    assert used == set(SEGMENTS)
    assert len(SEGMENT_RULES) == 11


def test_scores_by_hand(warehouse):
    table = rfm_scores(con=warehouse, as_of=AS_OF).to_pylist()
    assert [row["customer_id"] for row in table] == list(range(1, 11))
    by_id = {row["customer_id"]: row for row in table}
    # Customer 1: last bought 10 days ago, once, 1,000 won; the returned order is ignored.
    assert by_id[1]["recency_days"] == 10
    assert by_id[1]["frequency"] == 1
    assert by_id[1]["monetary"] == 1000
    # Customer 5: two lines of one order count once; the money is the same.
    assert (by_id[5]["frequency"], by_id[5]["monetary"]) == (5, 5000)
    # Customer 3: the cancelled order today does not make it recent.
    assert by_id[3]["recency_days"] == 30
    scores = {c: (r["r_score"], r["f_score"], r["m_score"], r["segment"]) for c, r in by_id.items()}
    assert scores == {
        1: (5, 1, 1, "new"),
        2: (5, 1, 1, "new"),
        3: (4, 2, 2, "potential_loyalist"),
        4: (4, 2, 2, "potential_loyalist"),
        5: (3, 3, 3, "loyal"),
        6: (3, 3, 3, "loyal"),
        7: (2, 4, 4, "at_risk"),
        8: (2, 4, 4, "at_risk"),
        9: (1, 5, 5, "cannot_lose"),
        10: (1, 5, 5, "cannot_lose"),
    }


@pytest.mark.parametrize(("as_of", "window"), [(AS_OF, 365), (AS_OF, 45), (LATER, 365)])
def test_scores_match_plain_python_reference(warehouse, as_of, window):
    expected = reference_rfm(tiny_sales(), as_of, window)
    got = {
        row["customer_id"]: {
            "recency_days": row["recency_days"],
            "frequency": row["frequency"],
            "monetary": int(row["monetary"]),
            "r": row["r_score"],
            "f": row["f_score"],
            "m": row["m_score"],
            "segment": row["segment"],
        }
        for row in rfm_scores(con=warehouse, as_of=as_of, window_days=window).to_pylist()
    }
    assert got == expected


def test_window_from_settings(warehouse, settings):
    settings.DANGOL_RFM_WINDOW_DAYS = 45
    ids = [row["customer_id"] for row in rfm_scores(con=warehouse, as_of=AS_OF).to_pylist()]
    # Last purchases 10*c days ago: only customers 1..4 bought in the last 45 days.
    assert ids == [1, 2, 3, 4]


def test_bad_window_is_rejected(warehouse):
    with pytest.raises(ValidationError) as err:
        rfm_scores(con=warehouse, as_of=AS_OF, window_days=0)
    assert err.value.field == "window_days"


def test_distribution_lists_every_segment(warehouse):
    rows = rfm_distribution(con=warehouse, as_of=AS_OF)
    assert [r["segment"] for r in rows] == list(SEGMENTS)
    counts = {r["segment"]: r["customers"] for r in rows if r["customers"]}
    assert counts == {"new": 2, "potential_loyalist": 2, "loyal": 2, "at_risk": 2, "cannot_lose": 2}
    assert sum(r["share"] for r in rows) == pytest.approx(1.0)
    assert {r["segment"]: int(r["revenue"]) for r in rows}["cannot_lose"] == 19000


def test_migration_matrix_matches_reference(warehouse):
    before = reference_rfm(tiny_sales(), AS_OF, 365)
    after = reference_rfm(tiny_sales(), LATER, 365)
    expected = Counter(
        (
            before[c]["segment"] if c in before else NO_SEGMENT,
            after[c]["segment"] if c in after else NO_SEGMENT,
        )
        for c in set(before) | set(after)
    )
    rows = rfm_migration(con=warehouse, date_from=AS_OF, date_to=LATER)
    assert {(r["from_segment"], r["to_segment"]): r["customers"] for r in rows} == expected
    assert sum(r["customers"] for r in rows) == 10


def test_migration_shows_customers_leaving_the_window(warehouse):
    rows = rfm_migration(
        con=warehouse, date_from=AS_OF, date_to=AS_OF + dt.timedelta(days=5), window_days=15
    )
    # On AS_OF only customer 1 (10 days ago) is in a 15-day window; five days later only
    # customer 2's order on AS_OF + 1 is. A lone customer falls in NTILE's first bucket on
    # every axis, so R = F = M = 1: "lost".
    assert rows == [
        {"from_segment": "lost", "to_segment": NO_SEGMENT, "customers": 1},
        {"from_segment": NO_SEGMENT, "to_segment": "lost", "customers": 1},
    ]
