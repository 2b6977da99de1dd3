"""The hand-made basket set of the recommendation tests, with its answers worked by hand.

Products (category, price, unit margin): 1 milk (Milk, 1000, 300), 2 premium milk (Milk,
2000, 500), 3 cheese (Cheese, 3000, 1000), 4 yogurt (Yogurt, 1500, 400), 5 butter (Butter,
2500, 600, inactive), 6 organic milk (Milk, 1500, 200).

Orders before the split (2026-02-01): 100 customer 10 {1, 3}; 101 customer 11 {1, 3, 4,
5}; 102 customer 12 {1, 4}; 103 customer 13 {3, 6}.
Buyers per product: 1: 3, 3: 3, 4: 2, 5: 1, 6: 1 (of 4 customers).
Cosine: sim(1,3) = 2/3, sim(1,4) = 2/sqrt(6), sim(3,4) = 1/sqrt(6), sim(3,6) = 1/sqrt(3).
Orders on or after the split: 200 customer 10 {2, 4}; 201 customer 12 {1, 6}; 202
customer 13 {3}; 203 customer 14 {1} (no history before the split).
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

SPLIT = dt.date(2026, 2, 1)
PRODUCTS = [
    # product_id, name, category, price, margin, active
    (1, "milk", "Milk", 1000.0, 300.0, True),
    (2, "premium milk", "Milk", 2000.0, 500.0, True),
    (3, "cheese", "Cheese", 3000.0, 1000.0, True),
    (4, "yogurt", "Yogurt", 1500.0, 400.0, True),
    (5, "butter", "Butter", 2500.0, 600.0, False),
    (6, "organic milk", "Milk", 1500.0, 200.0, True),
]
ORDERS = [
    # order_id, customer_id, date, products
    (100, 10, dt.date(2026, 1, 1), [1, 3]),
    (101, 11, dt.date(2026, 1, 2), [1, 3, 4, 5]),
    (102, 12, dt.date(2026, 1, 3), [1, 4]),
    (103, 13, dt.date(2026, 1, 4), [3, 6]),
    (200, 10, dt.date(2026, 2, 10), [2, 4]),
    (201, 12, dt.date(2026, 2, 11), [1, 6]),
    (202, 13, dt.date(2026, 2, 12), [3]),
    (203, 14, dt.date(2026, 2, 13), [1]),
]
S6, S3 = math.sqrt(6), math.sqrt(3)

# Trained on the orders before the split: customer -> [(product, score)] in rank order.
COSINE = {10: [(4, 3 / S6), (6, 1 / S3)], 11: [(6, 1 / S3)], 12: [(3, 2 / 3 + 1 / S6)]}
COSINE[13] = [(1, 2 / 3), (4, 1 / S6)]
POPULARITY = {10: [(4, 0.5), (6, 0.25)], 11: [(6, 0.25)], 12: [(3, 0.75), (6, 0.25)]}
POPULARITY[13] = [(1, 0.75), (4, 0.5)]
RULES = {10: [(4, 2 / 3), (6, 1 / 3)], 11: [(6, 1 / 3)], 12: [(3, 2 / 3)]}
RULES[13] = [(1, 2 / 3), (4, 1 / 3)]
# Up-sell: dearer or higher-margin products of the categories bought, by the share of the
# category's buyers (Milk: 4) who bought them; ties by the lower price.
UPSELL = {
    10: [(6, 0.25), (2, 0.0)],
    11: [(6, 0.25), (2, 0.0)],
    12: [(6, 0.25), (2, 0.0)],
    13: [(1, 0.75), (2, 0.0)],  # milk: cheaper than organic milk but a higher margin
}


def tx_frame(*, before: dt.date | None = None) -> pd.DataFrame:
    rows = [
        {"customer_id": c, "product_id": p, "order_id": o, "order_date": d}
        for o, c, d, products in ORDERS
        for p in products
        if before is None or d < before
    ]
    return pd.DataFrame(rows)


def product_frame() -> pd.DataFrame:
    return pd.DataFrame(
        PRODUCTS, columns=["product_id", "name", "category", "price", "margin", "active"]
    )


def as_lists(frame: pd.DataFrame) -> dict[int, list[tuple[int, float]]]:
    out: dict[int, list[tuple[int, float]]] = {}
    for row in frame.sort_values(["customer_id", "rank"]).itertuples():
        out.setdefault(int(row.customer_id), []).append((int(row.product_id), float(row.score)))
    return out
