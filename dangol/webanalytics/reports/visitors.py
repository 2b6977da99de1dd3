"""The visitors who come most: known customers first (all their devices together), then
anonymous visitor ids. Reads ``web_visit``.

A visitor id seen logged in as a customer counts for that customer in every one of its
visits of the period, the anonymous ones too.
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
)

VISITORS_SQL = """
WITH per_visitor AS (
    SELECT
        visitor_id,
        max(customer_id) AS customer_id,
        count(*) FILTER (WHERE started_at >= $cur) AS visits,
        count(*) FILTER (WHERE started_at < $cur) AS visits_prev,
        coalesce(sum(pageviews) FILTER (WHERE started_at >= $cur), 0) AS pageviews,
        coalesce(sum(goals) FILTER (WHERE started_at >= $cur), 0) AS conversions,
        max(started_at) FILTER (WHERE started_at >= $cur) AS last_visit
    FROM web_visit
    WHERE started_at >= $prev AND started_at < $end
    GROUP BY visitor_id
)
SELECT
    customer_id,
    CASE WHEN customer_id IS NULL THEN visitor_id END AS visitor_id,
    count(*) AS visitor_ids,
    sum(visits) AS visits,
    sum(visits_prev) AS visits_prev,
    sum(pageviews) AS pageviews,
    sum(conversions) AS conversions,
    max(last_visit) AS last_visit
FROM per_visitor
GROUP BY 1, 2
HAVING sum(visits) > 0
ORDER BY customer_id IS NULL, visits DESC, pageviews DESC, customer_id, visitor_id
LIMIT $limit
"""


def top_visitors_report(*, con, src: Sources, period: Period, limit: int) -> Report:
    """Return the most frequent visitors: customers first, then anonymous visitor ids."""
    rows = fetch(con, VISITORS_SQL, {**period.sql_params(), "limit": limit})
    for row in rows:
        row["visits"], row["visits_prev"] = int(row["visits"]), int(row["visits_prev"])
        row["pageviews"], row["conversions"] = int(row["pageviews"]), int(row["conversions"])
        row["customer_name"] = ""  # filled by the selector, for customers the reader may see
    add_changes(rows, {"visits": "int"})
    columns = [
        Column("customer_id", _("Customer"), "customer"),
        Column("customer_name", _("Name"), "text"),
        Column("visitor_id", _("Anonymous visitor"), "text"),
        Column("visitor_ids", _("Devices (visitor ids)"), "int"),
        *compare_columns("visits", _("Visits"), "int"),
        Column("pageviews", _("Page views"), "int"),
        Column("conversions", _("Conversions"), "int"),
        Column("last_visit", _("Last visit"), "datetime"),
    ]
    return Report(
        "visitors", period, tables=[Table("visitors", _("Visitors who come most"), columns, rows)]
    )
