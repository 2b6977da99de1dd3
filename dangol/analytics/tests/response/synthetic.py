"""A small response file with a clear signal: responders spend more and live in Seoul."""

from __future__ import annotations

import numpy as np
import pandas as pd


def synthetic_csv(n: int = 400, seed: int = 3) -> str:
    rng = np.random.default_rng(seed)
    spend = rng.gamma(2.0, 50.0, n).round(2)
    city = rng.choice(["seoul", "busan", "daegu"], n)
    score = 0.02 * spend + 1.5 * (city == "seoul") - 3.0
    response = (rng.random(n) < 1 / (1 + np.exp(-score))).astype(int)
    frame = pd.DataFrame({"spend": spend, "city": city, "visits": rng.integers(0, 9, n)})
    frame["responded"] = response
    return frame.to_csv(index=False)
