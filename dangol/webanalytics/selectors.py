"""Reads of web analytics: who may see the reports, and one report computed for a user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from dangol.accounts.roles import Role, user_role
from dangol.webanalytics.reports import Report, report_run

# Company-wide traffic and behaviour: the roles that read company-wide figures elsewhere
# (the OLAP roles). Sales and service staff see only their own customers, so no.
REPORT_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETING, Role.ANALYST})


def web_reports_may_read(user) -> bool:
    """Return whether ``user`` may read web-analytics reports (UI, API, CSV)."""
    return user_role(user) in REPORT_ROLES


def web_report_get(
    *, user, slug: str, data: Mapping[str, Any], today: dt.date | None = None
) -> Report:
    """Return report ``slug`` for the parameters in ``data``, names of known customers added.

    Customer names are shown only for customers ``user`` may see (a manager sees their
    team's); the others keep their id only.

    :raises ReportParameterError: a parameter is invalid (its name is the error's field).
    """
    report = report_run(slug=slug, data=data, today=today or web_report_today())
    if slug == "visitors" and report.tables:
        _name_customers(user, report.tables[0].rows)
    return report


def _name_customers(user, rows: list[dict]) -> None:
    from dangol.customers.selectors import customer_list_by_ids

    ids = [r["customer_id"] for r in rows if r.get("customer_id") is not None]
    names = {c.pk: c.name for c in customer_list_by_ids(user=user, ids=ids)} if ids else {}
    for row in rows:
        if row.get("customer_id") is not None:
            row["customer_name"] = names.get(row["customer_id"], "")


def web_report_today() -> dt.date:
    """Return today's date in UTC (the store's time zone)."""
    return timezone.now().astimezone(dt.UTC).date()


VISITED_SQL = """
SELECT DISTINCT customer_id
FROM web_event
WHERE customer_id IS NOT NULL AND kind = 'pageview' AND ts >= $since
  AND (path = $path OR ($prefix AND starts_with(path, $path)))
ORDER BY customer_id
"""


def web_customers_visited(*, path: str, prefix: bool, since: dt.datetime) -> list[int]:
    """Return the ids of known customers who viewed ``path`` (or a page under it) since then.

    One query over the events store; an empty list when nothing was collected yet.
    ``since`` may be aware (converted to UTC) or naive UTC.
    """
    from dangol.webanalytics.reports._base import _connect_read

    if since.tzinfo is not None:
        since = since.astimezone(dt.UTC).replace(tzinfo=None)
    with _connect_read() as con:
        if con is None:
            return []
        rows = con.execute(VISITED_SQL, {"since": since, "path": path, "prefix": prefix})
        return [r[0] for r in rows.fetchall()]
