"""Draw per-customer summaries from the BG/NBD process, for tests, demos and benchmarks."""

from __future__ import annotations

import numpy as np

from dangol.analytics.clv._rows import FloatArray


def bgnbd_simulate(
    *,
    n: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T_days: np.ndarray | int,
    seed: int,
    days_per_unit: float = 7.0,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return ``(frequency, recency, T)`` of ``n`` customers drawn from a BG/NBD process.

    Rates and times are in units of ``days_per_unit`` days (weeks by default); ``T_days``
    is each customer's observation length in whole days (one value or one per customer).
    Recency is rounded to whole days, as a summary built from dated transactions would
    be, which is what makes many customers share the same ``(x, t_x, T)``.

    Vectorised, without simulating purchase by purchase: given ``N`` Poisson purchases in
    ``(0, T]`` and the dropout purchase ``M ~ Geometric(p)``, the customer makes
    ``x = min(N, M)`` observed repeat purchases, and the ``x``-th of ``N`` uniform arrival
    times is ``T * Beta(x, N - x + 1)``.
    """
    rng = np.random.default_rng(seed)
    t_days = np.broadcast_to(np.asarray(T_days, dtype=np.int64), (n,))
    big_t = t_days / days_per_unit
    rate = rng.gamma(r, 1.0 / alpha, n)
    dropout = rng.beta(a, b, n)
    purchases = rng.poisson(rate * big_t)
    x = np.minimum(purchases, rng.geometric(dropout))
    recency = np.zeros(n)
    repeat = x > 0
    recency[repeat] = big_t[repeat] * rng.beta(x[repeat], purchases[repeat] - x[repeat] + 1)
    recency_days = np.minimum(np.round(recency * days_per_unit), t_days)
    return x.astype(np.float64), recency_days / days_per_unit, big_t.astype(np.float64)
