"""Reads of web analytics: tracked sites (for /collect), report access, the reports."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from dangol.accounts.roles import Role, user_role
from dangol.webanalytics.collect import SiteInfo
from dangol.webanalytics.models import Site
from dangol.webanalytics.parsing import host_of
from dangol.webanalytics.reports import Report, report_run

# /collect asks for the site on every request; an admin edit shows within this long.
SITE_CACHE_SECONDS = 30.0
_cache: dict[str, tuple[float, SiteInfo | None, tuple[str, ...]]] = {}


def site_info(*, key: str) -> tuple[SiteInfo | None, tuple[str, ...]]:
    """Return the active site ``key`` (``None`` if unknown) and its allowed origins.

    Cached per process for ``SITE_CACHE_SECONDS``.
    """
    now = time.monotonic()
    hit = _cache.get(key)
    if hit and now - hit[0] < SITE_CACHE_SECONDS:
        return hit[1], hit[2]
    site = Site.objects.filter(key=key, active=True).first()
    if site is None:
        info, origins = None, ()
    else:
        origins = tuple(site.origins)
        info = SiteInfo(
            key=site.key,
            hosts=frozenset(h for h in (host_of(o) for o in origins) if h),
            search_param=site.search_param,
            first_party_id=site.first_party_id,
        )
    if len(_cache) > 1000:
        _cache.clear()
    _cache[key] = (now, info, origins)
    return info, origins


def site_cache_clear() -> None:
    """Forget cached sites (after a change, and between tests)."""
    _cache.clear()


def site_list() -> list[Site]:
    """Return every tracked site."""
    return list(Site.objects.order_by("key"))


def site_tracks_url(*, url: str) -> bool:
    """Return whether ``url`` is on the origin of an active tracked site."""
    host = host_of(url)
    if not host:
        return False
    return any(
        host in {host_of(o) for o in site.origins} for site in Site.objects.filter(active=True)
    )


def campaign_landing_url(*, url: str, token: str) -> str:
    """Return ``url`` with the campaign click ``token`` added if a tracked site serves it.

    The tracker sends the page URL; ``/collect`` takes the token off it and the ingester
    links the visit to the token's customer and campaign. Other sites get ``url`` as is.
    """
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    from dangol.webanalytics.collect import CAMPAIGN_PARAM

    if not site_tracks_url(url=url):
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    query.append((CAMPAIGN_PARAM, token))
    return urlunsplit(parts._replace(query=urlencode(query)))


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
