"""Page reports: entry pages, exit pages with exit rate, most/least popular pages, errors.

- Entry and exit pages read ``web_visit`` (a visit counts in the period it started in).
  A bounce is a visit with a single page view; bounce rate = bounces / visits.
- Exit rate of a page = visits that ended on it / its page views in the period.
- Popular pages and errors read ``web_event`` (an event counts at its own time).
"""

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
    round_floats,
)

ENTRY_SQL = """
SELECT
    entry_path AS path,
    count(*) FILTER (WHERE started_at >= $cur) AS visits,
    count(*) FILTER (WHERE started_at < $cur) AS visits_prev,
    count(*) FILTER (WHERE started_at >= $cur AND pageviews = 1) AS bounces,
    count(*) FILTER (WHERE started_at < $cur AND pageviews = 1) AS bounces_prev
FROM web_visit
WHERE started_at >= $prev AND started_at < $end AND entry_path <> ''
GROUP BY entry_path
HAVING count(*) FILTER (WHERE started_at >= $cur) > 0
ORDER BY visits DESC, path
LIMIT $limit
"""

EXIT_SQL = """
WITH exits AS (
    SELECT
        exit_path AS path,
        count(*) FILTER (WHERE started_at >= $cur) AS exits,
        count(*) FILTER (WHERE started_at < $cur) AS exits_prev
    FROM web_visit
    WHERE started_at >= $prev AND started_at < $end AND exit_path <> ''
    GROUP BY exit_path
    HAVING count(*) FILTER (WHERE started_at >= $cur) > 0
    ORDER BY exits DESC, path
    LIMIT $limit
), views AS (
    SELECT
        path,
        count(*) FILTER (WHERE ts >= $cur) AS pageviews,
        count(*) FILTER (WHERE ts < $cur) AS pageviews_prev
    FROM web_event
    WHERE ts >= $prev AND ts < $end AND kind = 'pageview'
      AND path IN (SELECT path FROM exits)
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
    count(*) FILTER (WHERE ts >= $cur) AS pageviews,
    count(*) FILTER (WHERE ts < $cur) AS pageviews_prev,
    count(DISTINCT visitor_id) FILTER (WHERE ts >= $cur) AS visitors,
    count(DISTINCT visitor_id) FILTER (WHERE ts < $cur) AS visitors_prev,
    avg(time_on_page_ms) FILTER (WHERE ts >= $cur) / 1000.0 AS avg_time,
    avg(time_on_page_ms) FILTER (WHERE ts < $cur) / 1000.0 AS avg_time_prev
FROM web_event
WHERE ts >= $prev AND ts < $end AND kind = 'pageview'
GROUP BY path
HAVING count(*) FILTER (WHERE ts >= $cur) > 0
ORDER BY
    CASE WHEN $least THEN count(*) FILTER (WHERE ts >= $cur) END ASC,
    count(*) FILTER (WHERE ts >= $cur) DESC,
    path
LIMIT $limit
"""

ERRORS_SQL = """
WITH e AS (
    SELECT path, error_code, referrer_url, visit_id, ts >= $cur AS current
    FROM web_event
    WHERE ts >= $prev AND ts < $end AND kind = 'error'
), totals AS (
    SELECT
        path, error_code,
        count(*) FILTER (WHERE current) AS errors,
        count(*) FILTER (WHERE NOT current) AS errors_prev,
        count(DISTINCT visit_id) FILTER (WHERE current) AS visits
    FROM e
    GROUP BY path, error_code
    HAVING count(*) FILTER (WHERE current) > 0
), refs AS (
    SELECT path, error_code, referrer_url, count(*) AS n
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


def entry_pages_report(*, con, period: Period, limit: int) -> Report:
    """Return the pages visits start on: visits and bounce rate, beside the previous period."""
    rows = fetch(con, ENTRY_SQL, {**period.sql_params(), "limit": limit})
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


def exit_pages_report(*, con, period: Period, limit: int) -> Report:
    """Return the pages visits end on: exits, page views and exit rate (exits / page views)."""
    rows = fetch(con, EXIT_SQL, {**period.sql_params(), "limit": limit})
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


def popular_pages_report(*, con, period: Period, limit: int, order: str) -> Report:
    """Return pages by page views (most or least viewed first), visitors, time on page."""
    params = {**period.sql_params(), "limit": limit, "least": order == "least"}
    rows = round_floats(fetch(con, POPULAR_SQL, params), "avg_time", "avg_time_prev", places=3)
    add_changes(rows, {"pageviews": "int", "visitors": "int", "avg_time": "seconds"})
    columns = [
        Column("path", _("Page"), "path"),
        *compare_columns("pageviews", _("Page views"), "int"),
        *compare_columns("visitors", _("Unique visitors"), "int"),
        *compare_columns("avg_time", _("Average time on page (s)"), "seconds"),
    ]
    title = _("Least viewed pages") if order == "least" else _("Most viewed pages")
    return Report("pages", period, tables=[Table("pages", title, columns, rows)])


def error_pages_report(*, con, period: Period, limit: int) -> Report:
    """Return the pages that answered with an error (404, 500): count and referring pages."""
    params = {**period.sql_params(), "limit": limit, "refs": TOP_REFERRERS}
    rows = fetch(con, ERRORS_SQL, params)
    add_changes(rows, {"errors": "int"})
    columns = [
        Column("path", _("Page"), "path"),
        Column("error_code", _("Error"), "text"),
        *compare_columns("errors", _("Errors"), "int"),
        Column("visits", _("Visits"), "int"),
        Column("referrers", _("Referring pages"), "list"),
    ]
    return Report("errors", period, tables=[Table("errors", _("Pages with errors"), columns, rows)])
