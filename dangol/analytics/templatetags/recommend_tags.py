"""Template tags of the recommendations: the 360 page's panel."""

from __future__ import annotations

from django import template

from dangol.analytics.recommend.selectors import recommendations_for_customer

register = template.Library()

PANEL_LIMIT = 6


@register.inclusion_tag("analytics/recommend/_panel_body.html", takes_context=True)
def customer_recommendations(context, customer) -> dict:
    """Render the customer's recommendations (the view already checked visibility)."""
    return {
        "recommendations": recommendations_for_customer(customer_id=customer.pk, limit=PANEL_LIMIT),
        "currency": context.get("currency", ""),
    }
