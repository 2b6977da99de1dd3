"""The chart format of ``ModelRun.charts``: what any model kind stores to get drawn.

``charts`` maps a chart name to one chart::

    {
        "tracking": {
            "type": "line",  # "line" | "bar" | "scatter"
            "title": "Cumulative repeat transactions",
            "x_label": "week",  # optional
            "y_label": "transactions",  # optional
            "x": [1, 2, 3],
            "series": {"actual": [4, 9, 15], "model": [4.2, 8.8, 14.6]},
        }
    }

- ``x`` is the list of x values (numbers or strings); every series is a list of numbers
  (or ``null`` for a gap) of the same length as ``x``.
- ``line`` and ``bar`` draw ``x`` as categories in the given order; ``scatter`` draws
  numeric ``x`` on a linear axis, with points joined when ``"lines": true`` (a
  calibration curve with its diagonal, a gain curve).
- ``model_run_create`` adds ``"order": i`` (the position in the mapping) to each chart:
  PostgreSQL's jsonb does not keep key order, and the page draws charts by ``order``.
  Nothing else is needed for a new model kind to get its charts drawn.
"""

from __future__ import annotations

import math
from numbers import Real

from dangol.analytics.errors import AnalyticsErrorCode, ValidationError

CHART_TYPES = ("line", "bar", "scatter")
# A card is read on every page view: keep the JSON small.
MAX_POINTS = 2000


def chart(
    *,
    type: str,
    title: str,
    x: list,
    series: dict[str, list],
    x_label: str = "",
    y_label: str = "",
    lines: bool = False,
) -> dict:
    """Return one chart in the ``charts`` format, numbers made JSON-safe (NaN -> None)."""
    out = {
        "type": type,
        "title": str(title),
        "x": [_plain(v) for v in x],
        "series": {str(k): [_number(v) for v in values] for k, values in series.items()},
    }
    if x_label:
        out["x_label"] = str(x_label)
    if y_label:
        out["y_label"] = str(y_label)
    if lines:
        out["lines"] = True
    return out


def _plain(value):
    if isinstance(value, str):
        return value
    if isinstance(value, Real):
        return _number(value)
    return str(value)


def _number(value) -> float | int | None:
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def charts_ordered(charts: dict) -> dict:
    """Return ``charts`` with ``order`` set to each chart's position (kept when present)."""
    return {
        name: {**spec, "order": spec.get("order", i)}
        for i, (name, spec) in enumerate(charts.items())
    }


def charts_sorted(charts: dict) -> dict:
    """Return ``charts`` as a mapping in drawing order (by ``order``, then name)."""
    items = sorted(charts.items(), key=lambda item: (item[1].get("order", 0), item[0]))
    return dict(items)


def charts_validate(charts: dict) -> None:
    """Raise ``ValidationError`` unless ``charts`` follows the format of this module."""

    def fail(message: str) -> None:
        raise ValidationError(message, code=AnalyticsErrorCode.INVALID, field="charts")

    if not isinstance(charts, dict):
        fail("charts must be a mapping of name to chart")
    for name, spec in charts.items():
        if not isinstance(spec, dict):
            fail(f"chart {name!r} must be a mapping")
        if spec.get("type") not in CHART_TYPES:
            fail(f"chart {name!r}: type must be one of {', '.join(CHART_TYPES)}")
        x = spec.get("x")
        series = spec.get("series")
        if not isinstance(x, list) or len(x) > MAX_POINTS:
            fail(f"chart {name!r}: x must be a list of at most {MAX_POINTS} values")
        if not isinstance(series, dict) or not series:
            fail(f"chart {name!r}: series must be a non-empty mapping of label to values")
        for label, values in series.items():
            if not isinstance(values, list) or len(values) != len(x):
                fail(f"chart {name!r}: series {label!r} must have one value per x")
            if any(v is not None and not isinstance(v, Real) for v in values):
                fail(f"chart {name!r}: series {label!r} must hold numbers or null")
        if spec["type"] == "scatter" and any(not isinstance(v, Real) for v in x):
            fail(f"chart {name!r}: a scatter chart needs numeric x")
