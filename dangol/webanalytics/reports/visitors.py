"""The visitors who come most: known customers first (all their devices together), then
anonymous visitor ids. Reads ``web_visit``.

A visitor id seen logged in as a customer during the period counts for that customer in
every one of its visits of the period, the anonymous ones too. The ranking reads the
period's visits only; the previous period's visits are then counted for the visitor ids
behind the rows shown (a customer's ids as linked in this period).
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

# Ranking reads the fewest columns it needs over all the period's visits; conversions,
# last visit and the previous period are then read for the visitor ids of the rows shown.
VISITORS_SQL = """
WITH per_visitor AS (
    SELECT visitor_id, max(customer_id) AS customer_id, count(*) AS visits,
           sum(pageviews) AS pageviews
    FROM web_visit
    WHERE started_at >= $cur AND started_at < $end
    GROUP BY visitor_id
), ranked AS (
    SELECT
        customer_id,
        CASE WHEN customer_id IS NULL THEN visitor_id END AS visitor_id,
        count(*) AS visitor_ids,
        sum(visits) AS visits,
        sum(pageviews) AS pageviews
    FROM per_visitor
    GROUP BY 1, 2
    ORDER BY customer_id IS NULL, visits DESC, pageviews DESC, customer_id, visitor_id
    LIMIT $limit
), members AS (
    SELECT p.visitor_id, r.customer_id, r.visitor_id AS anonymous_id
    FROM per_visitor p JOIN ranked r
      ON (r.customer_id IS NOT NULL AND p.customer_id = r.customer_id)
      OR (r.customer_id IS NULL AND p.customer_id IS NULL AND p.visitor_id = r.visitor_id)
), details AS (
    SELECT m.customer_id, m.anonymous_id,
           count(*) FILTER (WHERE v.started_at < $cur) AS visits_prev,
           coalesce(sum(v.goals) FILTER (WHERE v.started_at >= $cur), 0) AS conversions,
           max(v.started_at) FILTER (WHERE v.started_at >= $cur) AS last_visit
    FROM web_visit v JOIN members m USING (visitor_id)
    WHERE v.started_at >= $prev AND v.started_at < $end
    GROUP BY 1, 2
)
SELECT r.*, d.conversions, d.last_visit, d.visits_prev
FROM ranked r JOIN details d
  ON r.customer_id IS NOT DISTINCT FROM d.customer_id
 AND r.visitor_id IS NOT DISTINCT FROM d.anonymous_id
ORDER BY r.customer_id IS NULL, r.visits DESC, r.pageviews DESC, r.customer_id, r.visitor_id
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
