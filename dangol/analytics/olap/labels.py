"""People's names for the measures and dimensions (the pivot page's choices and headers)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dangol.analytics.olap.model import Dimension, Measure

MEASURE_LABELS = {
    Measure.REVENUE: _("Revenue"),
    Measure.MARGIN: _("Margin"),
    Measure.ORDERS: _("Orders"),
    Measure.CUSTOMERS: _("Customers (distinct)"),
    Measure.AOV: _("Average order value"),
    Measure.QUANTITY: _("Quantity"),
}
DIMENSION_LABELS = {
    Dimension.GENDER: _("Gender"),
    Dimension.AGE_BAND: _("Age band"),
    Dimension.REGION: _("Region"),
    Dimension.CITY: _("City"),
    Dimension.CUSTOMER_GROUP: _("Customer group"),
    Dimension.CUSTOMER_KIND: _("Customer kind"),
    Dimension.ACQUISITION_CHANNEL: _("Acquisition channel"),
    Dimension.VALUE_TIER: _("Value tier"),
    Dimension.RFM_SEGMENT: _("RFM segment"),
    Dimension.CATEGORY_L1: _("Category (level 1)"),
    Dimension.CATEGORY_L2: _("Category (level 2)"),
    Dimension.CATEGORY_L3: _("Category (level 3)"),
    Dimension.CHANNEL: _("Sales channel"),
    Dimension.DAY: _("Day"),
    Dimension.WEEK: _("Week"),
    Dimension.MONTH: _("Month"),
    Dimension.QUARTER: _("Quarter"),
    Dimension.YEAR: _("Year"),
}
CHANGE_SUFFIX_LABELS = {
    "previous": _("previous period"),
    "change": _("change"),
    "change_pct": _("change %"),
}


def column_label(name: str) -> str:
    """Return the header for a result column (a measure, a dimension or a change column)."""
    for suffix, label in CHANGE_SUFFIX_LABELS.items():
        base = name.removesuffix(f"_{suffix}")
        if base != name and base in Measure._value2member_map_:
            return f"{MEASURE_LABELS[Measure(base)]} · {label}"
    if name in Measure._value2member_map_:
        return str(MEASURE_LABELS[Measure(name)])
    if name in Dimension._value2member_map_:
        return str(DIMENSION_LABELS[Dimension(name)])
    return name
