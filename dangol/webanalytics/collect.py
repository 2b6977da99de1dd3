"""Check a ``/collect`` batch event by event and turn the valid ones into spool rows.

Every event is checked on its own: a batch with some malformed or hostile events keeps
its valid ones, and the answer names each rejected event by its index with the reason.
Strings are capped, must be valid Unicode without control characters, URLs must be
http(s) with a host. Text is stored as given (a ``<script>`` in a title stays text);
escaping is the job of whatever shows it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from dangol.webanalytics import parsing
from dangol.webanalytics.schema import EVENT_KINDS

MAX_URL = 2048
MAX_TITLE = 512
MAX_SEARCH = 200
MAX_GOAL = 100
MAX_VID = 64
MAX_TOKEN = 1000
MAX_AGE_MS = 10 * 60 * 1000
MAX_FIELDS = 24
BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
SCREEN = re.compile(r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$")
GOAL_NAME = re.compile(r"^[\w .:/-]{1,100}$")
VID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# The query parameter a campaign link's landing URL carries (marketing's click token).
CAMPAIGN_PARAM = "dg_t"


class Reject(Exception):
    """One event is malformed; the message says why."""


@dataclass(frozen=True)
class SiteInfo:
    key: str
    hosts: frozenset[str]
    search_param: str
    first_party_id: bool


@dataclass
class RequestInfo:
    """What the request says about every event of its batch."""

    now: dt.datetime
    ip_anon: str
    user_agent: str
    agent: parsing.Agent
    customer_id: int | None = None
    salt: str = ""
    extra: dict = field(default_factory=dict)


def _text(event: dict, name: str, cap: int, *, required: bool = False) -> str:
    value = event.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Reject(f"{name}: must be a string")
    if len(value) > cap:
        raise Reject(f"{name}: longer than {cap} characters")
    if BAD_CHARS.search(value):
        raise Reject(f"{name}: contains control characters or invalid Unicode")
    value = value.strip()
    if required and not value:
        raise Reject(f"{name}: required")
    return value


def _url(event: dict, name: str, *, required: bool) -> str:
    value = _text(event, name, MAX_URL, required=required)
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise Reject(f"{name}: not a URL") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise Reject(f"{name}: must be an http(s) URL with a host")
    return value


def _int(event: dict, name: str, low: int, high: int) -> int | None:
    value = event.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise Reject(f"{name}: must be a whole number from {low} to {high}")
    return value


def _number(event: dict, name: str) -> float | None:
    value = event.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Reject(f"{name}: must be a number")
    if abs(value) >= 1e12:
        raise Reject(f"{name}: out of range")
    return float(value)


def _strip_token(url: str) -> tuple[str, str]:
    """Return ``url`` without the campaign token parameter, and the token ('' if none)."""
    if CAMPAIGN_PARAM + "=" not in url:
        return url, ""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    token = next((v for k, v in pairs if k == CAMPAIGN_PARAM), "")[:MAX_TOKEN]
    query = urlencode([(k, v) for k, v in pairs if k != CAMPAIGN_PARAM])
    return urlunsplit(parts._replace(query=query)), token


def visitor_hash(*, site: str, salt: str, ip_anon: str, user_agent: str, vid: str = "") -> str:
    """Return the visitor id: a hash of the day's salt, anonymised address and agent.

    With a first-party id (only for sites that opted in) the id is a hash of that instead,
    so the visitor is recognised across days.
    """
    parts = ("fp", site, vid) if vid else (salt, site, ip_anon, user_agent)
    material = "\x1f".join(parts)
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def event_row(event: object, *, site: SiteInfo, request: RequestInfo, index: int) -> dict:
    """Check one event and return its spool row; raise ``Reject`` naming what was wrong."""
    if not isinstance(event, dict):
        raise Reject("event: must be an object")
    if len(event) > MAX_FIELDS:
        raise Reject(f"event: more than {MAX_FIELDS} fields")
    kind = event.get("kind")
    if not isinstance(kind, str) or kind not in EVENT_KINDS:
        raise Reject(f"kind: must be one of {', '.join(EVENT_KINDS)}")
    url, token = _strip_token(_url(event, "url", required=True))
    title = _text(event, "title", MAX_TITLE)
    referrer = _url_lenient(event)
    screen = _text(event, "screen", 11)
    if screen and not SCREEN.match(screen):
        raise Reject("screen: must look like 1920x1080")
    depth = _int(event, "depth", 1, 64)
    age = _int(event, "age", 0, MAX_AGE_MS) or 0
    site_search = outlink = goal = ""
    error_code = goal_value = None
    if kind == "search":
        site_search = _text(event, "search", MAX_SEARCH, required=True)
    elif kind == "outlink":
        outlink = _url(event, "href", required=True)
    elif kind == "error":
        error_code = _int(event, "code", 400, 599)
        if error_code is None:
            raise Reject("code: required (the HTTP status, e.g. 404)")
    elif kind == "goal":
        goal = _text(event, "goal", MAX_GOAL, required=True)
        if not GOAL_NAME.match(goal):
            raise Reject("goal: letters, digits, spaces and . : / - _ only")
        goal_value = _number(event, "value")
    vid = _text(event, "vid", MAX_VID) if site.first_party_id else ""
    if vid and not VID.match(vid):
        raise Reject("vid: 8 to 64 letters, digits, - or _")
    source = parsing.referrer_classify(referrer=referrer, page_url=url, site_hosts=site.hosts)
    utm = parsing.utm_params(url)
    try:
        path = urlsplit(url).path or "/"
    except ValueError as exc:  # pragma: no cover - _url parsed it already
        raise Reject("url: not a URL") from exc
    ts = request.now - dt.timedelta(milliseconds=age)
    agent = request.agent
    return {
        "ts": ts.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "i": index,
        "site": site.key,
        "visitor_id": visitor_hash(
            site=site.key,
            salt=request.salt,
            ip_anon=request.ip_anon,
            user_agent=request.user_agent,
            vid=vid,
        ),
        "customer_id": request.customer_id,
        "campaign_token": token,
        "kind": kind,
        "url": url,
        "path": path[:MAX_URL],
        "title": title,
        "referrer_url": referrer,
        # "internal" is not a source: the ingester keeps the visit's own source.
        "referrer_kind": source.kind,
        "referrer_name": source.name,
        "search_keyword": source.keyword,
        "utm_source": utm["utm_source"],
        "utm_medium": utm["utm_medium"],
        "utm_campaign": utm["utm_campaign"],
        "site_search": site_search,
        "outlink_url": outlink,
        "error_code": error_code,
        "goal": goal,
        "goal_value": goal_value,
        "browser": agent.browser,
        "browser_version": agent.browser_version,
        "os": agent.os,
        "device": agent.device,
        "screen": screen,
        "color_depth": depth,
        "ip_anon": request.ip_anon,
    }


def _url_lenient(event: dict) -> str:
    """Return the referrer: any URL-ish text (apps send android-app://...), capped."""
    value = _text(event, "referrer", MAX_URL)
    if value and "://" not in value:
        raise Reject("referrer: not a URL")
    return value


def batch_rows(
    events: list, *, site: SiteInfo, request: RequestInfo
) -> tuple[list[dict], list[dict]]:
    """Return the spool rows of the valid events and ``{"index", "reason"}`` of the others."""
    rows: list[dict] = []
    rejected: list[dict] = []
    for index, event in enumerate(events):
        try:
            rows.append(event_row(event, site=site, request=request, index=index))
        except Reject as exc:
            rejected.append({"index": index, "reason": str(exc)})
    return rows, rejected


def rows_to_lines(rows: list[dict]) -> bytes:
    """Serialise rows as JSON lines (ASCII-escaped, so any Unicode survives)."""
    return "".join(json.dumps(row, separators=(",", ":")) + "\n" for row in rows).encode()


_salts: dict[str, str] = {}


def daily_salt(*, day: dt.date, directory: Path) -> str:
    """Return the random salt of ``day``, shared by every process through a file.

    The salt makes visitor ids change every day; salts older than two days are deleted
    by the ingester, after which nobody can link a day's visitors to another day's.
    """
    key = day.isoformat()
    salt = _salts.get(key)
    if salt:
        return salt
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"salt-{key}"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        salt = path.read_text().strip()
        if not salt:  # another process is writing it this instant
            salt = _wait_salt(path)
    else:
        salt = secrets.token_hex(16)
        os.write(fd, salt.encode())
        os.close(fd)
    _salts.clear()
    _salts[key] = salt
    return salt


def _wait_salt(path: Path) -> str:
    import time

    for _ in range(100):
        time.sleep(0.005)
        salt = path.read_text().strip()
        if salt:
            return salt
    raise OSError(f"empty salt file {path}")


def salts_prune(*, directory: Path, today: dt.date, keep_days: int = 2) -> int:
    """Delete salts older than ``keep_days``; return how many."""
    removed = 0
    cutoff = (today - dt.timedelta(days=keep_days)).isoformat()
    for path in directory.glob("salt-*"):
        if path.name.removeprefix("salt-") < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
