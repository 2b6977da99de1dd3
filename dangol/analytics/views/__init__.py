"""Analytics pages; one module per area, re-exported for ``analytics/urls.py``."""

from dangol.analytics.views.pages import (
    cohorts_export_view,
    cohorts_view,
    home_view,
    pareto_view,
    profitability_export_view,
    profitability_view,
    rfm_view,
    wallet_export_view,
    wallet_view,
)
from dangol.analytics.views.pivot import pivot_export_view, pivot_view
from dangol.analytics.views.warehouse import warehouse_refresh_view, warehouse_view

__all__ = [
    "cohorts_export_view",
    "cohorts_view",
    "home_view",
    "pareto_view",
    "pivot_export_view",
    "pivot_view",
    "profitability_export_view",
    "profitability_view",
    "rfm_view",
    "wallet_export_view",
    "wallet_view",
    "warehouse_refresh_view",
    "warehouse_view",
]
