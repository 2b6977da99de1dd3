"""The OLAP query model: whitelisted measures and dimensions, and a validated query.

Names a user types (API body, CLI flags, the pivot form) are looked up in the enums
here; anything else is rejected with an error naming it. Filter values never reach SQL
text: they are bound as parameters by ``olap.sql``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from dangol.analytics.olap.errors import OlapErrorCode, OlapQueryError

if TYPE_CHECKING:
    from dangol.analytics.warehouse.custom_fields import OlapCustomField

MAX_TOP_N = 10_000
MAX_FILTER_VALUES = 200
MAX_BY = 6


class Measure(StrEnum):
    REVENUE = "revenue"
    MARGIN = "margin"
    ORDERS = "orders"
    CUSTOMERS = "customers"
    AOV = "aov"
    QUANTITY = "quantity"


class Dimension(StrEnum):
    GENDER = "gender"
    AGE_BAND = "age_band"
    REGION = "region"
    CITY = "city"
    CUSTOMER_GROUP = "customer_group"
    CUSTOMER_KIND = "customer_kind"
    ACQUISITION_CHANNEL = "acquisition_channel"
    VALUE_TIER = "value_tier"
    RFM_SEGMENT = "rfm_segment"
    CATEGORY_L1 = "category_l1"
    CATEGORY_L2 = "category_l2"
    CATEGORY_L3 = "category_l3"
    CHANNEL = "channel"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Grain(StrEnum):
    """A period grain; its value is the name of the matching period dimension."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


PERIOD_DIMENSIONS = (
    Dimension.DAY,
    Dimension.WEEK,
    Dimension.MONTH,
    Dimension.QUARTER,
    Dimension.YEAR,
)
# Drill paths, coarse to fine. Week is not on the calendar path: weeks straddle months.
HIERARCHIES: tuple[tuple[Dimension, ...], ...] = (
    (Dimension.YEAR, Dimension.QUARTER, Dimension.MONTH, Dimension.DAY),
    (Dimension.WEEK, Dimension.DAY),
    (Dimension.CATEGORY_L1, Dimension.CATEGORY_L2, Dimension.CATEGORY_L3),
    (Dimension.REGION, Dimension.CITY),
)
# Money measures come back as Decimal; the rest as integers.
MONEY_MEASURES = frozenset({Measure.REVENUE, Measure.MARGIN, Measure.AOV})


@dataclass(frozen=True)
class OlapQuery:
    """One validated query. Build it with ``olap_query_parse`` from untrusted input."""

    measures: tuple[Measure, ...]
    by: tuple[Dimension, ...] = ()
    filters: dict[Dimension, tuple[str, ...]] = field(default_factory=dict)
    period_grain: Grain | None = None
    date_from: date | None = None
    date_to: date | None = None
    top_n: int | None = None
    order_by: tuple[str, bool] | None = None  # (measure or dimension name, descending)
    compare_previous: bool = False

    @property
    def period_dimension(self) -> Dimension | None:
        """Return the period dimension in ``by``, if any (at most one is allowed)."""
        return next((d for d in self.by if d in PERIOD_DIMENSIONS), None)


class CustomDimension(str):
    """A text, choice or yes/no custom field as a dimension: ``cf_<key>`` (a customer
    field, a column of ``dim_customer``) or ``pcf_<key>`` (a product field, of ``dim_product``).

    Only names listed by the definitions (``olap_custom_fields``) become one, so the
    column that reaches SQL is a slug from the definitions table, never user text.
    """

    field: OlapCustomField

    def __new__(cls, field: OlapCustomField) -> CustomDimension:
        obj = super().__new__(cls, field.name)
        obj.field = field
        return obj

    @property
    def value(self) -> str:
        return str(self)


class CustomMeasure(str):
    """A number or money custom field as a measure: ``<name>_sum``, ``<name>_avg``.

    The field's value summed or averaged over the distinct customers (``cf_``) or products
    (``pcf_``) of each group (a customer with ten orders counts once), read from its
    warehouse column. Only names built from the definitions become one, so the column
    reaching SQL is a slug.
    """

    field: OlapCustomField
    aggregate: str  # "sum" or "avg"

    def __new__(cls, field: OlapCustomField, aggregate: str) -> CustomMeasure:
        obj = super().__new__(cls, f"{field.name}_{aggregate}")
        obj.field, obj.aggregate = field, aggregate
        return obj

    @property
    def money(self) -> bool:
        return self.field.money

    @property
    def value(self) -> str:
        return str(self)


CUSTOM_AGGREGATES = ("sum", "avg")
# Names of custom dimensions and measures start with one of these (see custom_fields).
CUSTOM_PREFIXES = ("cf_", "pcf_")


def olap_custom_dimensions_by_name() -> dict[str, CustomDimension]:
    """Return the custom-field dimensions the definitions allow, by name (text, choice, bool)."""
    from dangol.analytics.warehouse.custom_fields import DIMENSION_TYPES, olap_custom_fields

    return {
        f.name: CustomDimension(f) for f in olap_custom_fields() if f.field_type in DIMENSION_TYPES
    }


def olap_custom_measures() -> dict[str, CustomMeasure]:
    """Return the custom-field measures the definitions allow, by name (number, money)."""
    from dangol.analytics.warehouse.custom_fields import DIMENSION_TYPES, olap_custom_fields

    measures = {}
    for f in olap_custom_fields():
        if f.field_type in DIMENSION_TYPES:
            continue
        for aggregate in CUSTOM_AGGREGATES:
            measure = CustomMeasure(f, aggregate)
            measures[measure.value] = measure
    return measures


def _lookup(enum, names, *, field_name: str, code: OlapErrorCode) -> list:
    custom: dict = {}
    if any(str(n).startswith(CUSTOM_PREFIXES) for n in names):
        if enum is Dimension:
            custom = olap_custom_dimensions_by_name()
        elif enum is Measure:
            custom = olap_custom_measures()
    unknown = [
        str(n) for n in names if str(n) not in enum._value2member_map_ and str(n) not in custom
    ]
    if unknown:
        allowed = ", ".join(m.value for m in enum)
        raise OlapQueryError(
            _("Unknown %(field)s: %(names)s (allowed: %(allowed)s)")
            % {"field": field_name, "names": ", ".join(unknown), "allowed": allowed},
            code=code,
            field=field_name,
        )
    return [custom[str(n)] if str(n) in custom else enum(str(n)) for n in names]


def _dedupe(items: list) -> tuple:
    return tuple(dict.fromkeys(items))


def olap_query_parse(
    *,
    measures: list[str],
    by: list[str] | None = None,
    filters: dict[str, list[str]] | None = None,
    period_grain: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    top_n: int | None = None,
    order_by: str | None = None,
    compare_previous: bool = False,
) -> OlapQuery:
    """Return the validated query for untrusted names and values.

    :param measures: measure names (at least one).
    :param by: dimension names to group by, coarse to fine as the user wants them shown.
    :param filters: dimension name to the accepted values (strings, compared as labels).
    :param period_grain: a grain whose period dimension is added to ``by`` if none is.
    :param date_from: first order date included.
    :param date_to: last order date included.
    :param top_n: keep only the first N rows of the ordering.
    :param order_by: a measure or dimension name, ``-`` in front for descending.
    :param compare_previous: add the previous equal-length period and the change.
    :raises OlapQueryError: naming the unknown or inconsistent input.
    """
    if not measures:
        raise OlapQueryError(
            _("Give at least one measure"), code=OlapErrorCode.NO_MEASURE, field="measures"
        )
    parsed_measures = _dedupe(
        _lookup(Measure, measures, field_name="measures", code=OlapErrorCode.UNKNOWN_MEASURE)
    )
    parsed_by = list(
        _dedupe(_lookup(Dimension, by or [], field_name="by", code=OlapErrorCode.UNKNOWN_DIMENSION))
    )
    grain = None
    if period_grain:
        grain = _lookup(
            Grain, [period_grain], field_name="period_grain", code=OlapErrorCode.INVALID
        )[0]
        if not any(d in PERIOD_DIMENSIONS for d in parsed_by):
            parsed_by.append(Dimension(grain.value))
    if sum(d in PERIOD_DIMENSIONS for d in parsed_by) > 1:
        raise OlapQueryError(
            _("Group by at most one period (day, week, month, quarter or year)"),
            code=OlapErrorCode.INVALID,
            field="by",
        )
    if len(parsed_by) > MAX_BY:
        raise OlapQueryError(
            _("Group by at most %(count)d dimensions") % {"count": MAX_BY},
            code=OlapErrorCode.INVALID,
            field="by",
        )
    parsed_filters: dict[Dimension, tuple[str, ...]] = {}
    for name, values in (filters or {}).items():
        dim = _lookup(
            Dimension, [name], field_name="filters", code=OlapErrorCode.UNKNOWN_DIMENSION
        )[0]
        values = [values] if isinstance(values, str) else list(values)
        if not values or len(values) > MAX_FILTER_VALUES:
            raise OlapQueryError(
                _("A filter takes 1 to %(count)d values: %(name)s")
                % {"count": MAX_FILTER_VALUES, "name": name},
                code=OlapErrorCode.INVALID,
                field="filters",
            )
        parsed_filters[dim] = parsed_filters.get(dim, ()) + _dedupe([str(v) for v in values])
    if date_from and date_to and date_from > date_to:
        raise OlapQueryError(
            _("The date range ends before it starts"), code=OlapErrorCode.INVALID, field="date_to"
        )
    if top_n is not None and not 1 <= top_n <= MAX_TOP_N:
        raise OlapQueryError(
            _("top_n must be between 1 and %(count)d") % {"count": MAX_TOP_N},
            code=OlapErrorCode.INVALID,
            field="top_n",
        )
    order = None
    if order_by:
        descending = order_by.startswith("-")
        name = order_by.lstrip("-")
        allowed = {m.value for m in parsed_measures} | {d.value for d in parsed_by}
        if name not in allowed:
            raise OlapQueryError(
                _("order_by must name a chosen measure or dimension: %(name)s") % {"name": name},
                code=OlapErrorCode.INVALID,
                field="order_by",
            )
        order = (name, descending)
    if compare_previous:
        if not (date_from and date_to):
            raise OlapQueryError(
                _("Comparing with the previous period needs date_from and date_to"),
                code=OlapErrorCode.INVALID,
                field="compare_previous",
            )
        if any(d in PERIOD_DIMENSIONS for d in parsed_by):
            raise OlapQueryError(
                _("Comparing with the previous period works without a period in 'by'"),
                code=OlapErrorCode.INVALID,
                field="compare_previous",
            )
    return OlapQuery(
        measures=parsed_measures,
        by=tuple(parsed_by),
        filters=parsed_filters,
        period_grain=grain,
        date_from=date_from,
        date_to=date_to,
        top_n=top_n,
        order_by=order,
        compare_previous=compare_previous,
    )


def _hierarchy_step(dimension: Dimension, step: int) -> Dimension | None:
    for path in HIERARCHIES:
        if dimension in path:
            index = path.index(dimension) + step
            if 0 <= index < len(path):
                return path[index]
    return None


def dimension_drill_down(dimension: Dimension) -> Dimension | None:
    """Return the next finer dimension (year → quarter, category_l1 → l2), or None."""
    return _hierarchy_step(dimension, 1)


def dimension_roll_up(dimension: Dimension) -> Dimension | None:
    """Return the next coarser dimension (month → quarter, city → region), or None."""
    return _hierarchy_step(dimension, -1)
