"""People's names for the measures and dimensions (the pivot page's choices and headers)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from dangol.analytics.olap.model import CUSTOM_PREFIXES, Dimension, Measure

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


# Product fields are marked as such: a customer field may have the same label.
_PRODUCT_FIELD = _("%(label)s (product)")
_AGGREGATE_WORDS = {
    ("customer", "sum"): _("%(label)s (sum)"),
    ("customer", "avg"): _("%(label)s (average per customer)"),
    ("product", "sum"): _("%(label)s (product, sum)"),
    ("product", "avg"): _("%(label)s (product, average per product)"),
}


def custom_dimension_choices() -> list[tuple[str, str]]:
    """Return (name, label) of the custom-field dimensions, e.g. ("pcf_material",
    "Material (product)")."""
    from dangol.analytics.olap.model import olap_custom_dimensions_by_name

    return [(name, _field_label(d.field)) for name, d in olap_custom_dimensions_by_name().items()]


def _field_label(field) -> str:
    if field.target.entity == "product":
        return _PRODUCT_FIELD % {"label": field.label}
    return field.label


def custom_measure_choices() -> list[tuple[str, str]]:
    """Return (name, label) of the custom-field measures, e.g. ("cf_budget_sum", "Budget (sum)")."""
    from dangol.analytics.olap.model import olap_custom_measures

    return [
        (name, _AGGREGATE_WORDS[m.field.target.entity, m.aggregate] % {"label": m.field.label})
        for name, m in olap_custom_measures().items()
    ]


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
    if name.startswith(CUSTOM_PREFIXES):
        return dict([*custom_measure_choices(), *custom_dimension_choices()]).get(name, name)
    return name


# --- Values: people's names for dimension codes, and number formats -------------------

SEGMENT_LABELS = {
    "champions": _("Champions"),
    "loyal": _("Loyal"),
    "potential_loyalist": _("Potential loyalist"),
    "new": _("New"),
    "promising": _("Promising"),
    "need_attention": _("Need attention"),
    "about_to_sleep": _("About to sleep"),
    "at_risk": _("At risk"),
    "cannot_lose": _("Cannot lose"),
    "hibernating": _("Hibernating"),
    "lost": _("Lost"),
}
AGE_BAND_LABELS = {
    "under 20": _("Under 20"),
    "20-29": _("20-29"),
    "30-39": _("30-39"),
    "40-49": _("40-49"),
    "50-59": _("50-59"),
    "60+": _("60 and over"),
    "unknown": _("Unknown age"),
}
EMPTY_VALUE_LABEL = _("(none)")
MONEY_MEASURES = frozenset({Measure.REVENUE, Measure.MARGIN, Measure.AOV})


def _choice_labels() -> dict[Dimension, dict[str, str]]:
    from dangol.customers.choices import (
        AcquisitionChannel,
        CustomerKind,
        Gender,
        Region,
        ValueTier,
    )
    from dangol.sales.choices import SalesChannel

    return {
        Dimension.GENDER: dict(Gender.choices),
        Dimension.REGION: dict(Region.choices),
        Dimension.CUSTOMER_KIND: dict(CustomerKind.choices),
        Dimension.ACQUISITION_CHANNEL: dict(AcquisitionChannel.choices),
        Dimension.VALUE_TIER: dict(ValueTier.choices),
        Dimension.RFM_SEGMENT: SEGMENT_LABELS,
        Dimension.CHANNEL: dict(SalesChannel.choices),
        Dimension.AGE_BAND: AGE_BAND_LABELS,
    }


def _group_labels() -> dict[str, str]:
    from django.utils.translation import get_language

    from dangol.customers.selectors import customer_group_list

    korean = (get_language() or "").startswith("ko")
    return {g.code: (g.name_ko if korean and g.name_ko else g.name) for g in customer_group_list()}


def value_labeller(dimensions: list[str]):
    """Return ``label(position, code)`` naming the codes of the result's dimension columns.

    Codes without a known name (a category, a period, a city) are shown as they are; the
    empty code is "(none)". Customer groups are named from the database (one query).
    """
    maps: list[dict[str, str] | None] = []
    choices = _choice_labels()
    groups: dict[str, str] | None = None
    for name in dimensions:
        if name not in Dimension._value2member_map_:  # a custom field (cf_, pcf_): codes as-is
            maps.append(None)
            continue
        dimension = Dimension(name)
        if dimension == Dimension.CUSTOMER_GROUP:
            groups = _group_labels() if groups is None else groups
            maps.append(groups)
        else:
            maps.append(choices.get(dimension))

    def label(position: int, code):
        if code is None or code == "":
            return str(EMPTY_VALUE_LABEL)
        names = maps[position]
        return str(names.get(code, code)) if names else code

    return label


def _measure_of(column: str) -> tuple[Measure | None, str]:
    for suffix in ("_change_pct", "_previous", "_change"):
        base = column.removesuffix(suffix)
        if base != column and base in Measure._value2member_map_:
            return Measure(base), suffix
    if column in Measure._value2member_map_:
        return Measure(column), ""
    return None, ""


def format_value(column: str, value) -> str | None:
    """Return a measure cell for people: grouped thousands, money without decimals,
    period-over-period change as a signed percentage. ``None`` stays ``None``."""
    from django.utils.formats import number_format

    if value is None:
        return None
    _measure, suffix = _measure_of(column)
    # number_format cuts decimals off; round half up first.
    if suffix == "_change_pct":
        sign = "+" if value > 0 else ""
        value = Decimal(value).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return f"{sign}{number_format(value, decimal_pos=1, force_grouping=True)}%"
    # Money in won and counts alike: no decimals (MONEY_MEASURES name the money columns).
    value = Decimal(value).quantize(Decimal(1), ROUND_HALF_UP)
    text = number_format(value, decimal_pos=0, force_grouping=True)
    return f"+{text}" if suffix == "_change" and value > 0 else text


def result_display(result) -> tuple[list[str], list[list], list[list]]:
    """Return (headers, table rows, chart rows) of an ``OlapResult`` for the pivot page.

    Table rows hold formatted text; chart rows hold the dimension labels and the raw
    numbers (the chart scales them). The CSV export keeps the raw codes and values.
    """
    label = value_labeller(result.dimensions)
    width = len(result.dimensions)
    table, chart = [], []
    for row in result.rows:
        names = [label(i, row[i]) for i in range(width)]
        values = row[width:]
        columns = result.columns[width:]
        table.append(names + [format_value(c, v) for c, v in zip(columns, values, strict=True)])
        chart.append(names + [v if v is None or isinstance(v, int) else float(v) for v in values])
    return [column_label(c) for c in result.columns], table, chart
