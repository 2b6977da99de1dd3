"""Page reports: entry pages, exit pages with exit rate, most/least popular pages, errors.

- Entry and exit pages read the ``web_landing_day`` rollup (a visit counts on the day it
  started). A bounce is a visit with a single page view; bounce rate = bounces / visits.
- Exit rate of a page = visits that ended on it / its page views in the period.
- Popular pages read ``web_page_day`` and errors ``web_error_day`` (an event counts on
  its own day). Unique visitors of a page and visits hitting an error are unique per
  day and summed over the days (see ``dangol.webanalytics.rollups``).
"""

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
    round_floats,
)

ENTRY_SQL = """
SELECT
    path,
    sum(entries) FILTER (WHERE day >= $cur_d) AS visits,
    coalesce(sum(entries) FILTER (WHERE day < $cur_d), 0) AS visits_prev,
    sum(bounces) FILTER (WHERE day >= $cur_d) AS bounces,
    coalesce(sum(bounces) FILTER (WHERE day < $cur_d), 0) AS bounces_prev
FROM {web_landing_day}
WHERE day >= $prev_d AND day < $end_d
GROUP BY path
HAVING sum(entries) FILTER (WHERE day >= $cur_d) > 0
ORDER BY visits DESC, path
LIMIT $limit
"""

EXIT_SQL = """
WITH exits AS (
    SELECT
        path,
        sum(exits) FILTER (WHERE day >= $cur_d) AS exits,
        coalesce(sum(exits) FILTER (WHERE day < $cur_d), 0) AS exits_prev
    FROM {web_landing_day}
    WHERE day >= $prev_d AND day < $end_d
    GROUP BY path
    HAVING sum(exits) FILTER (WHERE day >= $cur_d) > 0
    ORDER BY exits DESC, path
    LIMIT $limit
), views AS (
    SELECT
        path,
        sum(pageviews) FILTER (WHERE day >= $cur_d) AS pageviews,
        sum(pageviews) FILTER (WHERE day < $cur_d) AS pageviews_prev
    FROM {web_page_day}
    WHERE day >= $prev_d AND day < $end_d AND path IN (SELECT path FROM exits)
    GROUP BY path
)
SELECT exits.*, coalesce(views.pageviews, 0) AS pageviews,
       coalesce(views.pageviews_prev, 0) AS pageviews_prev
FROM exits LEFT JOIN views USING (path)
ORDER BY exits DESC, path
"""

POPULAR_SQL = """
SELECT
    path,
    sum(pageviews) FILTER (WHERE day >= $cur_d) AS pageviews,
    coalesce(sum(pageviews) FILTER (WHERE day < $cur_d), 0) AS pageviews_prev,
    sum(visitors) FILTER (WHERE day >= $cur_d) AS visitors,
    coalesce(sum(visitors) FILTER (WHERE day < $cur_d), 0) AS visitors_prev,
    sum(time_sum_ms) FILTER (WHERE day >= $cur_d)
        / nullif(sum(time_n) FILTER (WHERE day >= $cur_d), 0) / 1000.0 AS avg_time,
    sum(time_sum_ms) FILTER (WHERE day < $cur_d)
        / nullif(sum(time_n) FILTER (WHERE day < $cur_d), 0) / 1000.0 AS avg_time_prev
FROM {web_page_day}
WHERE day >= $prev_d AND day < $end_d
GROUP BY path
HAVING sum(pageviews) FILTER (WHERE day >= $cur_d) > 0
ORDER BY
    CASE WHEN $least THEN sum(pageviews) FILTER (WHERE day >= $cur_d) END ASC,
    sum(pageviews) FILTER (WHERE day >= $cur_d) DESC,
    path
LIMIT $limit
"""

ERRORS_SQL = """
WITH e AS (
    SELECT path, error_code, referrer_url, errors, visits, day >= $cur_d AS current
    FROM {web_error_day}
    WHERE day >= $prev_d AND day < $end_d
), totals AS (
    SELECT
        path, error_code,
        sum(errors) FILTER (WHERE current) AS errors,
        coalesce(sum(errors) FILTER (WHERE NOT current), 0) AS errors_prev,
        sum(visits) FILTER (WHERE current) AS visits
    FROM e
    GROUP BY path, error_code
    HAVING sum(errors) FILTER (WHERE current) > 0
), refs AS (
    SELECT path, error_code, referrer_url, sum(errors) AS n
    FROM e
    WHERE current AND referrer_url <> ''
    GROUP BY ALL
), top_refs AS (
    SELECT path, error_code,
           list(referrer_url || ' (' || n || ')' ORDER BY n DESC, referrer_url)[1:$refs]
               AS referrers
    FROM refs
    GROUP BY path, error_code
)
SELECT totals.*, coalesce(top_refs.referrers, []) AS referrers
FROM totals LEFT JOIN top_refs USING (path, error_code)
ORDER BY errors DESC, error_code, path
LIMIT $limit
"""

TOP_REFERRERS = 5


def entry_pages_report(*, con, src: Sources, period: Period, limit: int) -> Report:
    """Return the pages visits start on: visits and bounce rate, beside the previous period."""
    rows = fetch(con, ENTRY_SQL.format_map(src), {**period.sql_params(), "limit": limit})
    for row in rows:
        row["bounce_rate"] = ratio(row.pop("bounces"), row["visits"])
        row["bounce_rate_prev"] = ratio(row.pop("bounces_prev"), row["visits_prev"])
    add_changes(rows, {"visits": "int", "bounce_rate": "rate"})
    columns = [
        Column("path", _("Page"), "path"),
        *compare_columns("visits", _("Entrances"), "int"),
        *compare_columns("bounce_rate", _("Bounce rate"), "rate"),
    ]
    return Report("entry-pages", period, tables=[Table("pages", _("Entry pages"), columns, rows)])


def exit_pages_report(*, con, src: Sources, period: Period, limit: int) -> Report:
    """Return the pages visits end on: exits, page views and exit rate (exits / page views)."""
    rows = fetch(con, EXIT_SQL.format_map(src), {**period.sql_params(), "limit": limit})
    for row in rows:
        row["exit_rate"] = ratio(row["exits"], row["pageviews"])
        row["exit_rate_prev"] = ratio(row["exits_prev"], row["pageviews_prev"])
    add_changes(rows, {"exits": "int", "pageviews": "int", "exit_rate": "rate"})
    columns = [
        Column("path", _("Page"), "path"),
        *compare_columns("exits", _("Exits"), "int"),
        *compare_columns("pageviews", _("Page views"), "int"),
        *compare_columns("exit_rate", _("Exit rate"), "rate"),
    ]
    return Report("exit-pages", period, tables=[Table("pages", _("Exit pages"), columns, rows)])


def popular_pages_report(*, con, src: Sources, period: Period, limit: int, order: str) -> Report:
    """Return pages by page views (most or least viewed first), visitors, time on page."""
    params = {**period.sql_params(), "limit": limit, "least": order == "least"}
    rows = round_floats(
        fetch(con, POPULAR_SQL.format_map(src), params), "avg_time", "avg_time_prev", places=3
    )
    add_changes(rows, {"pageviews": "int", "visitors": "int", "avg_time": "seconds"})
    columns = [
        Column("path", _("Page"), "path"),
        *compare_columns("pageviews", _("Page views"), "int"),
        *compare_columns("visitors", _("Unique visitors"), "int"),
        *compare_columns("avg_time", _("Average time on page (s)"), "seconds"),
    ]
    title = _("Least viewed pages") if order == "least" else _("Most viewed pages")
    return Report("pages", period, tables=[Table("pages", title, columns, rows)])


def error_pages_report(*, con, src: Sources, period: Period, limit: int) -> Report:
    """Return the pages that answered with an error (404, 500): count and referring pages."""
    params = {**period.sql_params(), "limit": limit, "refs": TOP_REFERRERS}
    rows = fetch(con, ERRORS_SQL.format_map(src), params)
    add_changes(rows, {"errors": "int"})
    columns = [
        Column("path", _("Page"), "path"),
        Column("error_code", _("Error"), "text"),
        *compare_columns("errors", _("Errors"), "int"),
        Column("visits", _("Visits"), "int"),
        Column("referrers", _("Referring pages"), "list"),
    ]
    return Report("errors", period, tables=[Table("errors", _("Pages with errors"), columns, rows)])
