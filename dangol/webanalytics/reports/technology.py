"""Browsers, operating systems, devices and screen resolutions of visits (``web_tech_day``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dangol.webanalytics.reports._base import (
    Column,
    Period,
    Report,
    Sources,
    Table,
    add_changes,
    compare_columns,
    fetch,
    ratio,
)

DIMENSIONS = ("browser", "os", "device", "screen")

TECH_SQL = """
WITH g AS (
    SELECT
        value,
        sum(visits) FILTER (WHERE day >= $cur_d) AS visits,
        coalesce(sum(visits) FILTER (WHERE day < $cur_d), 0) AS visits_prev,
        sum(bounces) FILTER (WHERE day >= $cur_d) AS bounces
    FROM {web_tech_day}
    WHERE day >= $prev_d AND day < $end_d AND dimension = $dimension
    GROUP BY 1
)
SELECT *, sum(visits) OVER () AS total, sum(visits_prev) OVER () AS total_prev
FROM g
WHERE visits > 0
ORDER BY visits DESC, value
LIMIT $limit
"""


def technology_report(*, con, src: Sources, period: Period, limit: int, dimension: str) -> Report:
    """Return visits by browser, OS, device or resolution, with each value's share."""
    params = {**period.sql_params(), "limit": limit, "dimension": dimension}
    rows = fetch(con, TECH_SQL.format_map(src), params)
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
        Column("bounce_rate", _("Bounce rate"), "rate"),
    ]
    return Report("technology", period, tables=[Table(dimension, labels[dimension], columns, rows)])
