"""Writes of web analytics: tracked sites, and taking in a ``/collect`` batch."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dangol.webanalytics import collect, parsing
from dangol.webanalytics.errors import ValidationError, WebAnalyticsErrorCode
from dangol.webanalytics.models import Site
from dangol.webanalytics.selectors import site_cache_clear, site_info
from dangol.webanalytics.spool import spool_append, spool_dir

DEFAULTS = {
    "max_body_bytes": 64 * 1024,
    "max_events": 100,
    "trusted_proxies": [],
    "allow_headless": False,
}


def config() -> dict:
    """Return the web-analytics settings merged over the defaults."""
    return {**DEFAULTS, **getattr(settings, "DANGOL_WEBANALYTICS", {})}


def _origins(text: str) -> str:
    lines = []
    for line in (text or "").replace(",", "\n").splitlines():
        line = line.strip().rstrip("/")
        if not line:
            continue
        parts = urlsplit(line)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
            raise ValidationError(
                f"Not an origin (scheme://host[:port]): {line}",
                code=WebAnalyticsErrorCode.INVALID,
                field="allowed_origins",
            )
        lines.append(line)
    return "\n".join(lines)


@transaction.atomic
def site_create(
    *,
    key: str,
    name: str = "",
    allowed_origins: str = "",
    search_param: str = "q",
    first_party_id: bool = False,
) -> Site:
    """Add a tracked site.

    :raises ValidationError: the key is malformed or taken, or an origin is malformed.
    """
    key = (key or "").strip()
    if not key or not all(c.isalnum() or c in "-_" for c in key) or len(key) > 40:
        raise ValidationError(
            "The key must be 1 to 40 letters, digits, - or _",
            code=WebAnalyticsErrorCode.INVALID,
            field="key",
        )
    if Site.objects.filter(key=key).exists():
        raise ValidationError(
            f"A site with the key {key} exists",
            code=WebAnalyticsErrorCode.DUPLICATE_KEY,
            field="key",
        )
    site = Site.objects.create(
        key=key,
        name=name.strip()[:200],
        allowed_origins=_origins(allowed_origins),
        search_param=(search_param or "").strip()[:40],
        first_party_id=first_party_id,
    )
    transaction.on_commit(site_cache_clear)
    return site


@transaction.atomic
def site_update(
    *,
    site: Site,
    name: str,
    allowed_origins: str,
    search_param: str,
    first_party_id: bool,
    active: bool,
) -> Site:
    """Change a tracked site's settings (its key stays).

    :raises ValidationError: an origin is malformed.
    """
    site.name = name.strip()[:200]
    site.allowed_origins = _origins(allowed_origins)
    site.search_param = (search_param or "").strip()[:40]
    site.first_party_id = first_party_id
    site.active = active
    site.save()
    transaction.on_commit(site_cache_clear)
    return site


@dataclass
class CollectAnswer:
    """What ``/collect`` answers: an HTTP status, a JSON body, and the CORS origin."""

    status: int
    body: dict
    allow_origin: str = ""
    rows: list = field(default_factory=list)


def _error(status: int, code: WebAnalyticsErrorCode, message: str, **extra) -> CollectAnswer:
    return CollectAnswer(status, {"error": str(code), "message": message, **extra})


def events_collect(
    *,
    body: bytes,
    content_length: int | None,
    origin: str,
    remote_addr: str,
    forwarded_for: str,
    user_agent: str,
    do_not_track: bool,
    customer_id: int | None = None,
    now: dt.datetime | None = None,
) -> CollectAnswer:
    """Check a batch of tracker events, spool the valid ones, and say what was refused.

    Not atomic in the database sense: nothing is written to the operational database;
    the valid rows are appended to the spool in one write.
    """
    cfg = config()
    limit = int(cfg["max_body_bytes"])
    if (content_length or 0) > limit or len(body) > limit:
        return _error(
            413, WebAnalyticsErrorCode.BODY_TOO_LARGE, f"The body is larger than {limit} bytes"
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _error(
            400,
            WebAnalyticsErrorCode.BAD_ENCODING,
            f"The body is not valid UTF-8 (byte {exc.start})",
        )
    try:
        payload = json.loads(text)
    except ValueError as exc:
        return _error(400, WebAnalyticsErrorCode.BAD_JSON, f"The body is not JSON: {exc}")
    if not isinstance(payload, dict):
        return _error(400, WebAnalyticsErrorCode.BAD_JSON, "The body must be a JSON object")
    key = payload.get("site")
    if not isinstance(key, str) or not key or len(key) > 40:
        return _error(400, WebAnalyticsErrorCode.UNKNOWN_SITE, "site: a site key is required")
    site, origins = site_info(key=key)
    if site is None:
        return _error(400, WebAnalyticsErrorCode.UNKNOWN_SITE, f"site: no tracked site {key!r}")
    origin = origin.rstrip("/")
    if origin and origin != "null" and origin not in origins:
        return _error(
            403, WebAnalyticsErrorCode.ORIGIN_NOT_ALLOWED, f"Origin {origin} may not send events"
        )
    allow_origin = origin if origin in origins else ""
    if "events" in payload:
        events = payload["events"]
        if not isinstance(events, list):
            return _error(400, WebAnalyticsErrorCode.BAD_JSON, "events: must be a list")
    else:
        events = [{k: v for k, v in payload.items() if k != "site"}]
    max_events = int(cfg["max_events"])
    if len(events) > max_events:
        return _error(
            413, WebAnalyticsErrorCode.TOO_MANY_EVENTS, f"More than {max_events} events in a batch"
        )
    if do_not_track:
        # The tracker does not send then; a client that does anyway is not recorded.
        answer = CollectAnswer(202, {"accepted": 0, "rejected": [], "ignored": "do_not_track"})
        answer.allow_origin = allow_origin
        return answer
    agent = parsing.user_agent_parse(user_agent, allow_headless=bool(cfg["allow_headless"]))
    if agent.is_bot:
        answer = CollectAnswer(202, {"accepted": 0, "rejected": [], "ignored": "bot"})
        answer.allow_origin = allow_origin
        return answer
    now = now or timezone.now()
    ip = parsing.client_ip(
        remote_addr=remote_addr,
        forwarded_for=forwarded_for,
        trusted_proxies=list(cfg["trusted_proxies"]),
    )
    request = collect.RequestInfo(
        now=now.astimezone(dt.UTC).replace(tzinfo=None),
        ip_anon=parsing.ip_anonymize(ip),
        user_agent=user_agent[: parsing.MAX_UA],
        agent=agent,
        customer_id=customer_id,
        salt=collect.daily_salt(day=now.astimezone(dt.UTC).date(), directory=_salt_dir()),
    )
    rows, rejected = collect.batch_rows(events, site=site, request=request)
    if rows:
        spool_append(collect.rows_to_lines(rows))
    status = 202 if rows else 400
    body_out: dict = {"accepted": len(rows), "rejected": rejected}
    if not rows:
        body_out["error"] = str(WebAnalyticsErrorCode.NO_VALID_EVENT)
    return CollectAnswer(status, body_out, allow_origin=allow_origin, rows=rows)


def _salt_dir():
    return spool_dir().parent / "salts"


def webanalytics_erasure_schedule() -> None:
    """Unlink erased customers from the web-analytics store after this commit.

    Called by ``customers.privacy.customer_erase``; see ``webanalytics.privacy``.
    """
    from dangol.core.tasks import task_enqueue_on_commit
    from dangol.webanalytics.tasks import webanalytics_erasures_task

    task_enqueue_on_commit(webanalytics_erasures_task)
