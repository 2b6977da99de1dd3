"""Reads of web analytics' configuration: the tracked sites."""

from __future__ import annotations

import time

from dangol.webanalytics.collect import SiteInfo
from dangol.webanalytics.models import Site
from dangol.webanalytics.parsing import host_of

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
