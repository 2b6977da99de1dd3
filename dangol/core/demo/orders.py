"""Orders and order lines: seasonal timing, Pareto spend, churn and baskets that hang together."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dangol.core.demo.catalog import LEAF_INDEX, Catalog, affinity_matrix, profile_matrix
from dangol.core.demo.people import (
    CHURNED,
    CUSTOMER,
    INDUSTRIAL,
    RETAIL,
    SALES_CHANNEL_BY_GROUP,
    SALES_CHANNELS,
    CustomerChunk,
    _pick_rows,
)
from dangol.core.demo.spec import SECONDS_PER_DAY, STREAM_ORDERS, DemoSpec

ORDER_STATUSES = np.array(["pending", "paid", "shipped", "completed", "cancelled", "returned"])
PENDING, PAID, SHIPPED, COMPLETED, CANCELLED, RETURNED = range(6)
# Shops open at 9 and online orders trail off towards midnight (local hours 0..23).
HOUR_WEIGHT = np.array(
    [0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 1.0, 1.6, 2.2, 2.6,
     2.4, 2.2, 2.1, 2.2, 2.3, 2.5, 2.7, 2.6, 2.2, 1.6, 1.0, 0.5]
)  # fmt: skip
SUMMER_ONLY = (LEAF_INDEX["ICE-CUP"], LEAF_INDEX["ICE-BAR"])
WINTER_SWAP = LEAF_INDEX["MLK-WHT"]
MAX_LINES = 5


@dataclass
class OrderChunk:
    ids: np.ndarray
    customer_id: np.ndarray
    customer_index: np.ndarray  # position of the customer in its chunk
    ordered_at: np.ndarray  # epoch seconds
    day: np.ndarray
    channel: np.ndarray
    status: np.ndarray
    number: list[str]


@dataclass
class LineChunk:
    ids: np.ndarray
    order_id: np.ndarray
    product_id: np.ndarray
    quantity: np.ndarray
    unit_price: np.ndarray
    discount: np.ndarray


def orders_generate(
    spec: DemoSpec,
    customers: CustomerChunk,
    catalog: Catalog,
    *,
    chunk: int,
    first_order_id: int,
    first_line_id: int,
) -> tuple[OrderChunk, LineChunk, np.ndarray]:
    """Return a chunk's orders, their lines and each customer's net revenue."""
    rng = spec.rng(STREAM_ORDERS, chunk)
    buyers = np.flatnonzero(customers.stop_day > customers.acq_day)
    buyers = buyers[np.isin(customers.status[buyers], (CUSTOMER, CHURNED))]
    acq, stop = customers.acq_day[buyers], customers.stop_day[buyers]
    expected = customers.rate[buyers] * (stop - acq) / 365.25
    per_customer = 1 + rng.poisson(expected)

    cust = np.repeat(buyers, per_customer)
    lo, hi = customers.acq_day[cust], customers.stop_day[cust]
    day = spec.sample_days(rng, lo, hi)
    # The first order is the purchase that made them a customer: on the acquisition day.
    first = np.concatenate([[0], np.cumsum(per_customer)[:-1]])
    day[first] = acq
    hour = rng.choice(24, size=len(cust), p=HOUR_WEIGHT / HOUR_WEIGHT.sum())
    ts = (
        spec.start_epoch
        + day * SECONDS_PER_DAY
        + hour * 3600
        + rng.integers(0, 3600, size=len(cust))
    )
    ts = np.maximum(ts, customers.created_at[cust] + 60)
    order = np.argsort(ts, kind="stable")
    cust, day, ts = cust[order], day[order], ts[order]
    n = len(cust)
    ids = np.arange(first_order_id, first_order_id + n)

    group = customers.group[cust]
    cum_channel = np.cumsum(SALES_CHANNEL_BY_GROUP / SALES_CHANNEL_BY_GROUP.sum(1)[:, None], 1)
    channel = np.where(
        rng.random(n) < 0.7, customers.channel_pref[cust], _pick_rows(rng, cum_channel, group)
    )
    u = rng.random(n)
    status = np.where(u < 0.045, CANCELLED, np.where(u < 0.07, RETURNED, COMPLETED))
    recent = day >= spec.days - 4
    status = np.where(recent, rng.choice([PENDING, PAID, SHIPPED], size=n), status)

    dates = np.datetime_as_string(spec.day_dates).tolist()
    number = [
        f"SO{dates[d].replace('-', '')}-{oid:08d}"
        for d, oid in zip(day.tolist(), ids.tolist(), strict=True)
    ]

    # Lines: the first category follows the customer's profile; each next one is, more
    # often than not, a category that sells with the previous one.
    p_more = np.array([0.22, 0.5, 0.45])[group]
    k = 1 + rng.binomial(MAX_LINES - 1, p_more)
    prof_cum, aff_cum = profile_matrix(), affinity_matrix()
    profile = customers.profile[cust]
    line_order, line_cat = [], []
    prev = np.zeros(n, dtype=np.int64)
    for j in range(MAX_LINES):
        have = np.flatnonzero(k > j)
        from_profile = _pick_rows(rng, prof_cum, profile[have])
        if j == 0:
            cat = from_profile
        else:
            cat = np.where(
                rng.random(len(have)) < 0.6, _pick_rows(rng, aff_cum, prev[have]), from_profile
            )
        prev[have] = cat
        line_order.append(have)
        line_cat.append(cat)
    li = np.concatenate(line_order)
    cat = np.concatenate(line_cat)
    resort = np.argsort(li, kind="stable")
    li, cat = li[resort], cat[resort]
    m = len(li)

    # Ice cream sells in the warm months; in winter most of it becomes milk.
    month = (spec.day_dates[day[li]].astype("datetime64[M]").astype(int) % 12) + 1
    winter = np.isin(month, (11, 12, 1, 2, 3)) & np.isin(cat, SUMMER_ONLY)
    cat = np.where(winter & (rng.random(m) < 0.6), WINTER_SWAP, cat)

    # Within a category a few products sell most.
    pick = (catalog.leaf_count[cat] * rng.random(m) ** 2.2).astype(np.int64)
    product = catalog.leaf_start[cat] + np.minimum(pick, catalog.leaf_count[cat] - 1)
    price = catalog.prices[product]

    line_group = group[li]
    value = customers.value[cust[li]]
    retail_qty = 1 + rng.poisson(0.6 * value)
    bulk_qty = np.maximum(1, np.round(value * rng.lognormal(0.0, 0.4, size=m))).astype(np.int64)
    quantity = np.where(line_group == RETAIL, retail_qty, bulk_qty).astype(np.int64)

    promo = rng.random(m) < 0.05
    unit_price = np.where(promo, np.round(price * 0.9, -1), price).astype(np.int64)
    gross = quantity * unit_price
    coupon = rng.random(m) < 0.10
    volume = (line_group != RETAIL) & (rng.random(m) < np.where(line_group == INDUSTRIAL, 0.6, 0.4))
    rate = np.where(coupon, rng.uniform(0.05, 0.25, size=m), 0.0) + np.where(volume, 0.07, 0.0)
    discount = (np.floor(gross * rate / 10) * 10).astype(np.int64)

    net = gross - discount
    counted = ~np.isin(status[li], (CANCELLED, RETURNED))
    revenue = np.bincount(cust[li], weights=net * counted, minlength=len(customers.ids))

    orders = OrderChunk(
        ids=ids,
        customer_id=customers.ids[cust],
        customer_index=cust,
        ordered_at=ts,
        day=day,
        channel=SALES_CHANNELS[channel],
        status=ORDER_STATUSES[status],
        number=number,
    )
    lines = LineChunk(
        ids=np.arange(first_line_id, first_line_id + m),
        order_id=ids[li],
        product_id=catalog.product_ids[product],
        quantity=quantity,
        unit_price=unit_price,
        discount=discount,
    )
    return orders, lines, revenue
