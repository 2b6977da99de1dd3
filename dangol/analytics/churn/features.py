"""Churn features and labels as of a cutoff date, set-based on the warehouse.

The population is every customer with a valid purchase on or before the cutoff. Features
use only what happened up to the cutoff:

- RFM: days since the last and the first order, orders, purchase days, revenue, average
  order value, orders and revenue in the last 90 and 365 days;
- CLV: P(alive), expected purchases in the churn window and expected value, from BG/NBD +
  Gamma-Gamma fitted on the purchases up to the cutoff;
- interactions (there are no service tickets yet, so the timeline stands in for service
  contact): counts in the last 90 and 365 days, inbound counts, days since the last one,
  and a 365-day count per channel.

The label ``churned`` is 1 when the customer makes no valid purchase in the ``churn_days``
days after the cutoff.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import numpy as np
import pandas as pd

from dangol.analytics.clv.bgnbd import BetaGeo
from dangol.analytics.clv.gamma_gamma import GammaGamma
from dangol.analytics.clv.value import clv_scores
from dangol.analytics.clv.warehouse import DAYS_PER_WEEK, clv_summary_warehouse

BASE_FEATURES = (
    "recency_days",
    "tenure_days",
    "orders",
    "purchase_days",
    "revenue",
    "avg_order_value",
    "orders_90d",
    "orders_365d",
    "revenue_365d",
    "interactions_90d",
    "interactions_365d",
    "inbound_90d",
    "inbound_365d",
    "interaction_recency_days",
)
CLV_FEATURES = ("p_alive", "expected_purchases", "expected_value")

_FEATURES_SQL = """
    WITH orders AS (
        SELECT customer_id, order_id, min(order_date) AS d, sum(revenue)::DOUBLE AS revenue
        FROM fact_sales_valid
        WHERE customer_id IS NOT NULL AND order_date <= $cutoff::DATE
        GROUP BY customer_id, order_id
    ), base AS (
        SELECT customer_id,
               date_diff('day', max(d), $cutoff::DATE) AS recency_days,
               date_diff('day', min(d), $cutoff::DATE) AS tenure_days,
               count(*) AS orders,
               count(DISTINCT d) AS purchase_days,
               sum(revenue) AS revenue,
               avg(revenue) AS avg_order_value,
               count(*) FILTER (WHERE d > $cutoff::DATE - 90) AS orders_90d,
               count(*) FILTER (WHERE d > $cutoff::DATE - 365) AS orders_365d,
               coalesce(sum(revenue) FILTER (WHERE d > $cutoff::DATE - 365), 0)
                   AS revenue_365d
        FROM orders
        GROUP BY customer_id
    ), inter AS (
        SELECT customer_id,
               count(*) FILTER (WHERE occurred_date > $cutoff::DATE - 90) AS interactions_90d,
               count(*) FILTER (WHERE occurred_date > $cutoff::DATE - 365)
                   AS interactions_365d,
               count(*) FILTER (WHERE direction = 'inbound'
                                  AND occurred_date > $cutoff::DATE - 90) AS inbound_90d,
               count(*) FILTER (WHERE direction = 'inbound'
                                  AND occurred_date > $cutoff::DATE - 365) AS inbound_365d,
               date_diff('day', max(occurred_date), $cutoff::DATE)
                   AS interaction_recency_days
               {channel_columns}
        FROM fact_interactions
        WHERE customer_id IS NOT NULL AND occurred_date <= $cutoff::DATE
        GROUP BY customer_id
    ), later AS (
        SELECT DISTINCT customer_id
        FROM fact_sales_valid
        WHERE order_date > $cutoff::DATE AND order_date <= $cutoff::DATE + $churn_days::INTEGER
    )
    SELECT base.*, inter.* EXCLUDE (customer_id),
           (later.customer_id IS NULL)::INTEGER AS churned
    FROM base
    LEFT JOIN inter USING (customer_id)
    LEFT JOIN later USING (customer_id)
    ORDER BY customer_id
"""


def channel_feature(channel: str) -> str:
    """Return the feature name of a channel's 365-day interaction count."""
    slug = re.sub(r"[^a-z0-9]+", "_", channel.lower()).strip("_") or "other"
    return f"channel_{slug}_365d"


def interaction_channels(*, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the interaction channels in the warehouse, sorted."""
    rows = con.execute(
        "SELECT DISTINCT channel FROM fact_interactions WHERE channel <> '' ORDER BY channel"
    ).fetchall()
    return [row[0] for row in rows]


def feature_names(channels: list[str]) -> list[str]:
    """Return the model's feature columns in order for these channels."""
    per_channel = list(dict.fromkeys(channel_feature(c) for c in channels))
    return [*BASE_FEATURES, *per_channel, *CLV_FEATURES]


def _clv_features(
    con: duckdb.DuckDBPyConnection, *, cutoff: dt.date, churn_days: int
) -> pd.DataFrame:
    """Return ``customer_id`` with P(alive), expected purchases and value in the window."""
    summary = clv_summary_warehouse(con=con, until=cutoff)
    horizon = churn_days / DAYS_PER_WEEK
    out = summary[["customer_id"]].copy()
    try:
        bgnbd = BetaGeo().fit(summary["frequency"], summary["recency"], summary["T"])
        spend_x = np.where(summary["monetary"] > 0, summary["frequency"], 0)
        gamma_gamma = GammaGamma().fit(spend_x, summary["monetary"])
        scores = clv_scores(
            bgnbd=bgnbd,
            gamma_gamma=gamma_gamma,
            frequency=summary["frequency"],
            recency=summary["recency"],
            T=summary["T"],
            monetary=summary["monetary"],
            horizon=horizon,
            discount_rate=0.0,
        )
    except Exception:  # too little history to fit: the CLV features stay missing
        out["p_alive"] = np.nan
        out["expected_purchases"] = np.nan
        out["expected_value"] = np.nan
        return out
    out["p_alive"] = scores.p_alive
    out["expected_purchases"] = scores.expected_purchases
    out["expected_value"] = scores.clv
    return out


def churn_frame(
    *,
    con: duckdb.DuckDBPyConnection,
    cutoff: dt.date,
    churn_days: int,
    channels: list[str],
) -> pd.DataFrame:
    """Return ``customer_id``, the features of ``feature_names(channels)`` and ``churned``.

    ``churned`` is only meaningful when the warehouse holds the ``churn_days`` days after
    ``cutoff``; at the data's end (scoring) it is 1 for everyone and ignored.
    """
    params: dict[str, object] = {"cutoff": cutoff, "churn_days": churn_days}
    columns = []
    seen = set()
    for i, channel in enumerate(channels):
        name = channel_feature(channel)
        if name in seen:
            continue
        seen.add(name)
        params[f"ch{i}"] = channel
        columns.append(
            f", count(*) FILTER (WHERE channel = $ch{i} AND occurred_date > $cutoff::DATE - 365)"
            f' AS "{name}"'
        )
    sql = _FEATURES_SQL.format(channel_columns="".join(columns))
    frame = con.execute(sql, params).df()
    frame["customer_id"] = frame["customer_id"].astype("int64")
    frame = frame.merge(
        _clv_features(con, cutoff=cutoff, churn_days=churn_days), on="customer_id", how="left"
    )
    names = feature_names(channels)
    counts = [n for n in names if n.startswith(("interactions_", "inbound_", "channel_"))]
    frame[counts] = frame[counts].fillna(0)
    frame[names] = frame[names].astype("float64")
    return frame[["customer_id", *names, "churned"]]
