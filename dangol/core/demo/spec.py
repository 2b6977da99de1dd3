"""What to generate (the size, seed and period) and the seasonal calendar of the period."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from functools import cached_property

import numpy as np

# Each kind of data draws from its own random stream, so adding a column to one phase
# does not shift every number generated after it.
STREAM_CATALOG = 1
STREAM_CUSTOMERS = 2
STREAM_ORDERS = 3
STREAM_INTERACTIONS = 4
STREAM_CONSENT = 5

# Customers are generated and written in chunks of this size (memory stays flat at 1M).
# It is part of the data's definition: changing it changes what a seed produces.
CHUNK_SIZE = 20_000

SECONDS_PER_DAY = 86_400

# Lunar holidays (설날 Seollal, 추석 Chuseok) for the years a demo is likely to cover;
# other years fall back to their average solar dates.
SEOLLAL = {
    2020: (1, 25), 2021: (2, 12), 2022: (2, 1), 2023: (1, 22), 2024: (2, 10),
    2025: (1, 29), 2026: (2, 17), 2027: (2, 7), 2028: (1, 27), 2029: (2, 13), 2030: (2, 3),
}  # fmt: skip
CHUSEOK = {
    2020: (10, 1), 2021: (9, 21), 2022: (9, 10), 2023: (9, 29), 2024: (9, 17),
    2025: (10, 6), 2026: (9, 25), 2027: (9, 15), 2028: (10, 3), 2029: (9, 22), 2030: (9, 12),
}  # fmt: skip

# Relative demand per calendar month (dairy: a summer peak for cold drinks and ice cream,
# a December peak for baking and gifts, a February trough).
MONTH_WEIGHT = np.array([1.0, 0.9, 0.95, 0.95, 1.0, 1.05, 1.15, 1.2, 1.0, 0.95, 1.0, 1.25])
# Monday..Sunday.
WEEKDAY_WEIGHT = np.array([0.95, 0.9, 0.9, 0.95, 1.05, 1.25, 1.1])


@dataclass(frozen=True)
class DemoSpec:
    """The parameters that fully determine a demo business."""

    customers: int = 22_000
    products: int = 1_000
    years: float = 2.0
    seed: int = 42
    end_date: dt.date = dt.date(2026, 1, 1)
    time_zone: str = "Asia/Seoul"

    def rng(self, stream: int, chunk: int = 0) -> np.random.Generator:
        """Return the random generator of one stream (and chunk) of this seed."""
        return np.random.default_rng([self.seed, stream, chunk])

    @cached_property
    def days(self) -> int:
        """Return the number of days in the period (the end date is the last day)."""
        return max(30, round(self.years * 365.25))

    @cached_property
    def start_date(self) -> dt.date:
        return self.end_date - dt.timedelta(days=self.days - 1)

    @cached_property
    def start_epoch(self) -> int:
        """Return the Unix time of local midnight on the first day."""
        tz = zoneinfo.ZoneInfo(self.time_zone)
        start = dt.datetime.combine(self.start_date, dt.time(), tzinfo=tz)
        return int(start.timestamp())

    @cached_property
    def end_epoch(self) -> int:
        """Return the Unix time of the last second of the period."""
        return self.start_epoch + self.days * SECONDS_PER_DAY - 1

    @cached_property
    def day_dates(self) -> np.ndarray:
        """Return every day of the period as ``datetime64[D]``."""
        first = np.datetime64(self.start_date.isoformat(), "D")
        return first + np.arange(self.days)

    @cached_property
    def day_weights(self) -> np.ndarray:
        """Return the relative order volume of each day: month x weekday x holidays."""
        dates = self.day_dates
        months = dates.astype("datetime64[M]").astype(int) % 12
        weekdays = (dates.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
        weights = MONTH_WEIGHT[months] * WEEKDAY_WEIGHT[weekdays]
        years = range(self.start_date.year, self.end_date.year + 1)
        for year in years:
            for table, fallback in ((SEOLLAL, (2, 5)), (CHUSEOK, (9, 25))):
                month, day = table.get(year, fallback)
                holiday = np.datetime64(dt.date(year, month, day).isoformat(), "D")
                offset = (dates - holiday).astype(int)
                # Gift sets sell in the two weeks before; shops close around the day itself.
                weights = np.where((offset >= -14) & (offset <= -2), weights * 1.8, weights)
                weights = np.where((offset >= -1) & (offset <= 1), weights * 0.35, weights)
        return weights

    @cached_property
    def day_cdf(self) -> np.ndarray:
        """Return the cumulative day weights, ``days + 1`` long and starting at 0."""
        return np.concatenate([[0.0], np.cumsum(self.day_weights)])

    def sample_days(self, rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Draw one day in ``[lo, hi)`` per element, following the seasonal weights."""
        cdf = self.day_cdf
        u = cdf[lo] + rng.random(len(lo)) * (cdf[hi] - cdf[lo])
        days = np.searchsorted(cdf, u, side="right") - 1
        return np.clip(days, lo, hi - 1)
