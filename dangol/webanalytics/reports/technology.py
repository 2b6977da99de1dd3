"""Browsers, operating systems, devices and screen resolutions of visits (``web_visit``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dangol.webanalytics.reports._base import (
    Column,
    Period,
    Report,
    Table,
    add_changes,
    compare_columns,
    fetch,
    ratio,
)

DIMENSIONS = ("browser", "os", "device", "screen")
# Column per choice: fixed identifiers, picked by a whitelisted key.
_COLUMN = {"browser": "browser", "os": "os", "device": "device", "screen": "screen"}


def _sql(dimension: str) -> str:
    column = _COLUMN[dimension]
    return f"""
WITH g AS (
    SELECT
        {column} AS value,
        count(*) FILTER (WHERE started_at >= $cur) AS visits,
        count(*) FILTER (WHERE started_at < $cur) AS visits_prev,
        count(DISTINCT visitor_id) FILTER (WHERE started_at >= $cur) AS visitors,
        count(*) FILTER (WHERE started_at >= $cur AND pageviews = 1) AS bounces
    FROM web_visit
    WHERE started_at >= $prev AND started_at < $end
    GROUP BY 1
)
SELECT *, sum(visits) OVER () AS total, sum(visits_prev) OVER () AS total_prev
FROM g
WHERE visits > 0
ORDER BY visits DESC, value
LIMIT $limit
"""  # noqa: S608 - the interpolated column is a constant from _COLUMN


def technology_report(*, con, period: Period, limit: int, dimension: str) -> Report:
    """Return visits by browser, OS, device or resolution, with each value's share."""
    rows = fetch(con, _sql(dimension), {**period.sql_params(), "limit": limit})
    for row in rows:
        total, total_prev = row.pop("total"), row.pop("total_prev")
        row["share"] = ratio(row["visits"], total)
        row["share_prev"] = ratio(row["visits_prev"], total_prev)
        row["bounce_rate"] = ratio(row.pop("bounces"), row["visits"])
    add_changes(rows, {"visits": "int", "share": "rate"})
    labels = {
        "browser": _("Browser"),
        "os": _("Operating system"),
        "device": _("Device"),
        "screen": _("Screen resolution"),
    }
    columns = [
        Column("value", labels[dimension], "text"),
        *compare_columns("visits", _("Visits"), "int"),
        *compare_columns("share", _("Share of visits"), "rate"),
        Column("visitors", _("Visitors"), "int"),
        Column("bounce_rate", _("Bounce rate"), "rate"),
    ]
    return Report(
        "technology", period, tables=[Table(dimension, labels[dimension], columns, rows)]
    )
