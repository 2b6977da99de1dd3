"""A generated purchase history for tests of the in-app CLV and churn code."""

from __future__ import annotations

import datetime as dt

import numpy as np


def generated_sales(
    customer_ids: list[int], *, start: dt.date, days: int, seed: int, first_line_id: int = 1
) -> list[dict]:
    """Return warehouse sales lines: each customer buys at their own rate until dropping out.

    First purchases fall in the first third of the period; every repeat purchase may be
    the last (a per-customer dropout probability), as in the BG/NBD story.
    """
    rng = np.random.default_rng(seed)
    lines = []
    line_id = first_line_id
    for customer in customer_ids:
        day = float(rng.integers(0, days // 3))
        rate = rng.gamma(2.0, 1 / 40)  # purchases per day, mean 1 in 20 days
        dropout = rng.beta(1.0, 6.0)
        spend = rng.gamma(4.0, 5000.0)
        while day < days:
            when = start + dt.timedelta(days=int(day))
            lines.append(
                {
                    "order_line_id": line_id,
                    "order_id": line_id,
                    "customer_id": customer,
                    "product_id": 1,
                    "ordered_at": dt.datetime.combine(when, dt.time(12)),
                    "quantity": 1,
                    "unit_price": f"{spend * rng.uniform(0.5, 1.5):.2f}",
                }
            )
            line_id += 1
            if rng.random() < dropout:
                break
            day += rng.exponential(1 / rate)
    return lines


PRODUCTS = [{"product_id": 1, "unit_price": "10000", "unit_cost": "6000"}]
