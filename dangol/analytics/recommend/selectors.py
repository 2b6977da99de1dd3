"""Reads of the recommendations, for the 360 page, the agent screen and marketing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from dangol.analytics.models import ModelKind, ModelRun, Recommendation
from dangol.core.prepared import PreparedQuery


@dataclass(frozen=True)
class RecommendedProduct:
    """One recommendation as other apps see it (no ORM rows cross the app boundary)."""

    product_id: int
    sku: str
    name: str
    category: str
    unit_price: Decimal
    kind: str  # "cross" or "up"
    kind_label: str
    score: float
    rank: int


def recommendations_for_customer(
    *, customer_id: int, limit: int = 5, kind: str | None = None
) -> list[RecommendedProduct]:
    """Return the customer's stored recommendations, best first.

    Cross-sell and up-sell are interleaved by rank (cross first on a tie) unless ``kind``
    ("cross" or "up") asks for one of them; inactive products are left out. The caller
    checks that the user may see the customer.
    """
    if kind or not 0 < limit <= _PREPARED_LIMIT_MAX:
        rows = list(_recommendations_query(customer_id, limit, kind))
    else:
        rows = _prepared_for_limit(limit)(customer_id)
    return [
        RecommendedProduct(
            product_id=r.product_id,
            sku=r.product.sku,
            name=r.product.name,
            category=r.product.category.path if r.product.category_id else "",
            unit_price=r.product.unit_price,
            kind=r.kind,
            kind_label=str(r.get_kind_display()),
            score=r.score,
            rank=r.rank,
        )
        for r in rows
    ]


def _recommendations_query(customer_id: int, limit: int, kind: str | None = None) -> QuerySet:
    rows = Recommendation.objects.filter(customer_id=customer_id, product__active=True)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.select_related("product", "product__category").order_by(
        "rank", "kind", "product_id"
    )[:limit]


# The 360 page's panel: compiled once per connection (core/prepared.py). A slice's limit
# is part of the SQL text, so each limit has its own prepared query (the API's are 1-50).
_PREPARED_LIMIT_MAX = 50
_prepared_by_limit: dict[int, PreparedQuery] = {}


def _prepared_for_limit(limit: int) -> PreparedQuery:
    prepared = _prepared_by_limit.get(limit)
    if prepared is None:
        prepared = _prepared_by_limit.setdefault(
            limit, PreparedQuery(lambda customer_id: _recommendations_query(customer_id, limit))
        )
    return prepared


def recommendation_run_latest() -> ModelRun | None:
    """Return the model run the stored recommendations came from, if any."""
    row = Recommendation.objects.order_by().values("model_run_id").first()
    return ModelRun.objects.filter(pk=row["model_run_id"]).first() if row else None


def recommendation_runs_recent(*, limit: int = 10) -> list[ModelRun]:
    """Return the newest recommendation model runs (refreshes and evaluations)."""
    return list(ModelRun.objects.filter(kind=ModelKind.RECOMMEND).order_by("-version")[:limit])
