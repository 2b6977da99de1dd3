"""A generated business with a planted churn signal, for tests of the churn model.

Every customer buys at their own pace (every 7 to 60 days) until they leave. Unhappy
customers (40 %) leave on a random day of the second year and talk to us by chat; happy ones
mostly stay and get e-mails. Interaction counts alone say nothing (both get one contact a
month); the channel does, and it shows before the purchases stop, so a model that reads it
must beat the "longest since the last order" rule.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

START = dt.date(2024, 1, 1)
DAYS = 730


def planted_world(customer_ids: list[int], *, seed: int = 3) -> tuple[list[dict], list[dict]]:
    """Return (sales lines, interactions) for ``customer_ids``."""
    rng = np.random.default_rng(seed)
    sales, interactions = [], []
    for customer in customer_ids:
        first = int(rng.integers(0, 200))
        unhappy = rng.random() < 0.4
        # Unhappy customers leave in the second year, so many are still buying at the
        # cutoffs; happy ones mostly stay beyond the data.
        leave = int(rng.integers(400, 800)) if unhappy else int(rng.integers(first + 60, 3000))
        gap = rng.uniform(7.0, 60.0)  # each customer's own pace
        day = float(first)
        while day < min(leave, DAYS):
            when = START + dt.timedelta(days=int(day))
            line = len(sales) + 1
            sales.append(
                {
                    "order_line_id": line,
                    "order_id": line,
                    "customer_id": customer,
                    "product_id": 1,
                    "ordered_at": dt.datetime.combine(when, dt.time(12)),
                    "quantity": 1,
                    "unit_price": f"{rng.gamma(4.0, 5000.0):.2f}",
                }
            )
            day += rng.exponential(gap)
        contact = float(first)
        while contact < min(leave, DAYS):
            when = START + dt.timedelta(days=int(contact))
            interactions.append(
                {
                    "interaction_id": len(interactions) + 1,
                    "customer_id": customer,
                    "occurred_at": dt.datetime.combine(when, dt.time(15)),
                    "channel": "chat" if unhappy else "email",
                    "direction": "inbound" if unhappy else "outbound",
                    "outcome": "answered",
                }
            )
            contact += rng.exponential(30.0)
    return sales, interactions
