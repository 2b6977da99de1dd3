"""Reads for the at-risk list: valuable customers likely to churn, from their scores."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, FloatField
from django.db.models.functions import Cast

from dangol.analytics.modelcards.selectors import model_run_latest
from dangol.analytics.models import ModelKind
from dangol.customers.models import Customer
from dangol.customers.permissions import restrict_visible

DEFAULT_MIN_CHURN = 0.5
MAX_ROWS = 100_000


@dataclass(frozen=True)
class AtRiskFilters:
    """Who counts as an at-risk valuable customer; every bound inclusive."""

    min_clv: Decimal = Decimal(0)
    min_churn: float = DEFAULT_MIN_CHURN
    min_p_alive: float = 0.0
    segment: str = ""  # RFM segment, all when empty
    limit: int = 200


def at_risk_default_min_clv() -> Decimal:
    """Return the top-quartile CLV of the latest CLV run (0 before the first run)."""
    run = model_run_latest(kind=ModelKind.CLV)
    value = ((run.metrics.get("clv_quantiles") or {}).get("p75") if run else None) or 0
    return Decimal(str(value)).quantize(Decimal("1"))


def at_risk_customers(*, user, filters: AtRiskFilters) -> list[dict]:
    """Return the visible customers with high CLV and high churn risk, most at stake first.

    Ordered by expected loss = CLV x churn probability (ties by customer id). Each row:
    ``customer_id, name, clv, p_alive, churn_probability, expected_loss, rfm_segment,
    value_tier``.
    """
    queryset = restrict_visible(Customer.objects.all(), user).filter(
        score__clv__gte=filters.min_clv,
        score__churn_probability__gte=filters.min_churn,
    )
    if filters.min_p_alive > 0:
        queryset = queryset.filter(score__p_alive__gte=filters.min_p_alive)
    if filters.segment:
        queryset = queryset.filter(score__rfm_segment=filters.segment)
    rows = (
        queryset.annotate(
            expected_loss=Cast("score__clv", FloatField()) * F("score__churn_probability")
        )
        .order_by("-expected_loss", "id")
        .values(
            "id",
            "name",
            "score__clv",
            "score__p_alive",
            "score__churn_probability",
            "expected_loss",
            "score__rfm_segment",
            "score__value_tier",
        )[: min(filters.limit, MAX_ROWS)]
    )
    return [
        {
            "customer_id": row["id"],
            "name": row["name"],
            "clv": row["score__clv"],
            "p_alive": row["score__p_alive"],
            "churn_probability": row["score__churn_probability"],
            "expected_loss": row["expected_loss"],
            "rfm_segment": row["score__rfm_segment"],
            "value_tier": row["score__value_tier"],
        }
        for row in rows
    ]
