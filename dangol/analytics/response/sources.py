"""Where a response model's training rows come from, and the CRM customers' features.

Two sources, one interface: each returns a pandas frame with one row per contacted
customer, a 0/1 response column and the candidate features.

- ``csv``: a file uploaded or registered with ``response_study_create_from_csv`` (copied
  under ``DANGOL_DATA_DIR/response/``). Any columns; the Hillstrom proof runs this way. A
  study may instead join a CSV of ``customer_id`` and the response to the warehouse
  features (its ``join_warehouse_features``; done by the services).
- ``campaign``: a past campaign's contacts. The campaign models are another part of
  Dangol, so the contacts come through a hook: the dotted path in
  ``settings.DANGOL_RESPONSE_CAMPAIGN_SOURCE`` to a function
  ``fn(*, campaign_id: int) -> pandas.DataFrame`` with the columns ``customer_id``,
  ``response`` (0/1) and ``contacted_at`` (date); the default is marketing's
  ``campaign_contacts_for_response_model`` (treated, sent members; response = converted
  within the attribution window). The contacts are joined to the customers' warehouse
  features as of the day before the first contact, so no feature sees the response window.

Features of CRM customers (``customer_features_frame``) come from the warehouse, so a
model trained on a campaign (or on a CSV of those columns) can score any customers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from django.conf import settings
from django.utils.module_loading import import_string

from dangol.analytics.warehouse.connection import warehouse_current_path
from dangol.analytics.warehouse.errors import WarehouseMissing
from dangol.core.errors import ConflictError

# The features the warehouse provides for every customer (numeric, then categorical).
WAREHOUSE_NUMERIC = (
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "tenure_days",
    "categories_bought",
    "interactions_90d",
)
WAREHOUSE_CATEGORICAL = (
    "kind",
    "gender",
    "age_band",
    "region",
    "customer_group",
    "acquisition_channel",
)
WAREHOUSE_FEATURES = WAREHOUSE_NUMERIC + WAREHOUSE_CATEGORICAL


class ResponseSourceUnavailable(ConflictError):
    """The study's data source cannot deliver rows (yet)."""

    code = "response_source_unavailable"


def campaign_contacts_unavailable(*, campaign_id: int) -> pd.DataFrame:
    """Default campaign hook: campaigns do not record contacts and responses yet."""
    raise ResponseSourceUnavailable(
        "Campaign contacts are not available yet: set DANGOL_RESPONSE_CAMPAIGN_SOURCE to a "
        "function returning customer_id, response and contacted_at for a campaign.",
        field="source",
    )


def campaign_contacts(*, campaign_id: int) -> pd.DataFrame:
    """Return a campaign's contacts through the configured hook, checked."""
    hook = import_string(settings.DANGOL_RESPONSE_CAMPAIGN_SOURCE)
    frame = hook(campaign_id=campaign_id)
    missing = {"customer_id", "response", "contacted_at"} - set(frame.columns)
    if missing:
        raise ResponseSourceUnavailable(
            f"The campaign source lacks the columns {sorted(missing)}", field="source"
        )
    return frame


def customer_features_frame(
    *,
    as_of: dt.date,
    customer_ids: Sequence[int] | None = None,
    warehouse: str | Path | None = None,
) -> pd.DataFrame:
    """Return the warehouse features of customers (all by default) as of ``as_of``.

    Only purchases and interactions on or before ``as_of`` count. Customers without a
    purchase get NULL recency and zero frequency and spend.
    """
    path = Path(warehouse) if warehouse else warehouse_current_path()
    if path is None:
        raise WarehouseMissing("No warehouse yet: run `dangol warehouse refresh`.")
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("SET enable_progress_bar = false")
        who = ""
        if customer_ids is not None:
            con.register(
                "wanted", pd.DataFrame({"customer_id": np.asarray(customer_ids, dtype="int64")})
            )
            who = "SEMI JOIN wanted USING (customer_id)"
        return con.execute(
            f"""
            WITH orders AS (
                SELECT customer_id, order_id, max(order_date) AS order_date,
                       sum(revenue) AS revenue
                FROM fact_sales_valid WHERE order_date <= $as_of GROUP BY ALL
            ), buys AS (
                SELECT customer_id, date_diff('day', max(order_date), $as_of) AS recency_days,
                       count(*) AS frequency, sum(revenue) AS monetary,
                       date_diff('day', min(order_date), $as_of) AS tenure_days
                FROM orders GROUP BY ALL
            ), cats AS (
                SELECT s.customer_id, count(DISTINCT p.category_path) AS categories_bought
                FROM fact_sales_valid s JOIN dim_product p USING (product_id)
                WHERE s.order_date <= $as_of GROUP BY ALL
            ), touches AS (
                SELECT customer_id, count(*) AS interactions_90d FROM fact_interactions
                WHERE occurred_date <= $as_of AND occurred_date > $as_of - 90 GROUP BY ALL
            )
            SELECT c.customer_id,
                   CAST(b.recency_days AS DOUBLE) AS recency_days,
                   CAST(coalesce(b.frequency, 0) AS DOUBLE) AS frequency,
                   CAST(coalesce(b.monetary, 0) AS DOUBLE) AS monetary,
                   CAST(coalesce(b.monetary / b.frequency, 0) AS DOUBLE) AS avg_order_value,
                   CAST(b.tenure_days AS DOUBLE) AS tenure_days,
                   CAST(coalesce(k.categories_bought, 0) AS DOUBLE) AS categories_bought,
                   CAST(coalesce(t.interactions_90d, 0) AS DOUBLE) AS interactions_90d,
                   c.kind, c.gender, c.age_band, c.region, c.customer_group,
                   c.acquisition_channel
            FROM (SELECT * FROM dim_customer {who}) c
            LEFT JOIN buys b USING (customer_id)
            LEFT JOIN cats k USING (customer_id)
            LEFT JOIN touches t USING (customer_id)
            ORDER BY c.customer_id
            """,
            {"as_of": as_of},
        ).df()
    finally:
        con.close()


def campaign_frame(*, campaign_id: int, warehouse: str | Path | None = None) -> pd.DataFrame:
    """Return a campaign's contacts with their warehouse features before the contact."""
    contacts = campaign_contacts(campaign_id=campaign_id)
    if contacts.empty:
        raise ResponseSourceUnavailable(
            f"Campaign {campaign_id} has no sent contacts to learn from", field="campaign_id"
        )
    first = pd.to_datetime(contacts["contacted_at"]).min().date()
    features = customer_features_frame(
        as_of=first - dt.timedelta(days=1),
        customer_ids=contacts["customer_id"].tolist(),
        warehouse=warehouse,
    )
    return contacts[["customer_id", "response"]].merge(features, on="customer_id", how="inner")


def csv_frame(*, path: str | Path) -> pd.DataFrame:
    """Return a stored CSV as a frame (header row; types inferred)."""
    return pd.read_csv(path)
