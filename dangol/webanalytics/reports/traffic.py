"""Visitors, visits and page views over time (day, week or month), with the previous period.

Figures come from the ``web_traffic_day`` rollup: a visit, its visitor and its page views
count on the day the visit started. Visitors are unique per day; over several days they
are the sum of the daily unique visitors (as Matomo reports ranges).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from dangol.webanalytics.reports._base import (
    Column,
    Period,
    Report,
    Sources,
    Table,
    change,
    compare_columns,
    fetch,
)

GRAINS = ("day", "week", "month")

TOTALS_SQL = """
SELECT
    coalesce(sum(visitors) FILTER (WHERE day >= $cur_d), 0) AS visitors,
    coalesce(sum(visitors) FILTER (WHERE day < $cur_d), 0) AS visitors_prev,
    coalesce(sum(visits) FILTER (WHERE day >= $cur_d), 0) AS visits,
    coalesce(sum(visits) FILTER (WHERE day < $cur_d), 0) AS visits_prev,
    coalesce(sum(pageviews) FILTER (WHERE day >= $cur_d), 0) AS pageviews,
    coalesce(sum(pageviews) FILTER (WHERE day < $cur_d), 0) AS pageviews_prev
FROM {web_traffic_day}
WHERE day >= $prev_d AND day < $end_d
"""

SERIES_SQL = """
SELECT
    day >= $cur_d AS current,
    CAST(date_trunc($grain, day) AS DATE) AS bucket,
    sum(visitors) AS visitors,
    sum(visits) AS visits,
    sum(pageviews) AS pageviews
FROM {web_traffic_day}
WHERE day >= $prev_d AND day < $end_d
GROUP BY ALL
"""

MEASURES = ("visitors", "visits", "pageviews")


def _buckets(first: dt.date, last: dt.date, grain: str) -> list[dt.date]:
    """Return the start of every day/week/month bucket touching ``first``..``last``."""
    if grain == "day":
        start, step = first, None
    elif grain == "week":
        start, step = first - dt.timedelta(days=first.weekday()), None
    else:
        start, step = first.replace(day=1), "month"
    out = []
    day = start
    while day <= last:
        out.append(day)
        if step == "month":
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        else:
            day += dt.timedelta(days=1 if grain == "day" else 7)
    return out


def traffic_report(*, con, src: Sources, period: Period, grain: str) -> Report:
    """Return visitors, visits and page views per ``grain`` bucket, beside the previous period.

    Buckets of the previous period are aligned by position (its first week beside this
    period's first week). A bucket cut by a period's edge counts only the days inside.
    """
    params = {**period.sql_params(), "grain": grain}
    totals_row = fetch(con, TOTALS_SQL.format_map(src), params)[0]
    labels = {"visitors": _("Visitors"), "visits": _("Visits"), "pageviews": _("Page views")}
    totals = {
        m: {
            "label": str(labels[m]),
            "kind": "int",
            "value": totals_row[m],
            "prev": totals_row[f"{m}_prev"],
            "change": change(totals_row[m], totals_row[f"{m}_prev"]),
        }
        for m in MEASURES
    }
    # A week or month cut by a period's edge counts only the days inside the period: the
    # buckets of each period are summed apart (``current``).
    rows_by_bucket = {
        (row["current"], row["bucket"]): row
        for row in fetch(con, SERIES_SQL.format_map(src), params)
    }
    current = _buckets(period.date_from, period.date_to, grain)
    previous = _buckets(period.prev_from, period.prev_to, grain)
    rows = []
    for i, bucket in enumerate(current):
        row: dict = {"period": bucket}
        now = rows_by_bucket.get((True, bucket), {})
        prev_bucket = previous[i] if i < len(previous) else None
        before = rows_by_bucket.get((False, prev_bucket), {}) if prev_bucket else {}
        row["period_prev"] = prev_bucket
        for m in MEASURES:
            row[m] = int(now.get(m) or 0)
            row[f"{m}_prev"] = int(before.get(m) or 0) if prev_bucket else None
            row[f"{m}_change"] = change(row[m], row[f"{m}_prev"])
        rows.append(row)
    columns = [
        Column("period", _("Period"), "date"),
        Column("period_prev", _("Previous period"), "date"),
    ]
    for m in MEASURES:
        columns += compare_columns(m, labels[m], "int")
    chart = {
        "labels": [r["period"].isoformat() for r in rows],
        "series": [
            {"key": m, "label": str(labels[m]), "data": [r[m] for r in rows]} for m in MEASURES
        ]
        + [
            {
                "key": f"{m}_prev",
                "label": str(_("%(measure)s, previous") % {"measure": labels[m]}),
                "data": [r[f"{m}_prev"] for r in rows],
                "previous": True,
            }
            for m in MEASURES
        ],
    }
    has_data = bool(totals_row["visits"] or totals_row["visits_prev"])
    return Report(
        slug="traffic",
        period=period,
        totals=totals,
        tables=[Table("series", _("Over time"), columns, rows)],
        chart=chart,
        has_data=has_data,
    )
