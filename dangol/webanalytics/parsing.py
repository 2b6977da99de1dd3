"""Read what a request and its events say: referrer, user agent, client address.

Pure functions without database access, called by ``/collect`` for every event, so
each is cheap: the user-agent parse is cached per distinct string.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

from ua_parser import parse as ua_parse

# Search engines: (name, host pattern, keyword parameters). A host matches when it is the
# domain or a subdomain of it; the first engine that matches wins.
SEARCH_ENGINES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Naver", ("search.naver.com", "m.search.naver.com"), ("query",)),
    ("Daum", ("search.daum.net", "m.search.daum.net"), ("q",)),
    ("Google", ("google.*",), ("q",)),
    ("Bing", ("bing.com",), ("q",)),
    ("Yahoo", ("search.yahoo.com", "search.yahoo.co.jp"), ("p", "q")),
    ("DuckDuckGo", ("duckduckgo.com",), ("q",)),
    ("Baidu", ("baidu.com",), ("wd", "word")),
    ("Yandex", ("yandex.*", "ya.ru"), ("text",)),
    ("Zum", ("search.zum.com",), ("query",)),
    ("Ecosia", ("ecosia.org",), ("q",)),
)
# Social networks and communities, by host. Naver Blog and Cafe count as social: visitors
# come from posts, not from a search.
SOCIAL_NETWORKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Facebook", ("facebook.com", "fb.com", "fb.me")),
    ("Instagram", ("instagram.com",)),
    ("X", ("twitter.com", "x.com", "t.co")),
    ("Kakao Story", ("story.kakao.com",)),
    ("KakaoTalk", ("talk.kakao.com", "talk.kakao.co.kr", "kakao.com")),
    ("Band", ("band.us", "band.naver.com")),
    ("LinkedIn", ("linkedin.com", "lnkd.in")),
    ("YouTube", ("youtube.com", "youtu.be")),
    ("Naver Blog", ("blog.naver.com", "m.blog.naver.com")),
    ("Naver Cafe", ("cafe.naver.com", "m.cafe.naver.com")),
    ("Daum Cafe", ("cafe.daum.net",)),
    ("Tistory", ("tistory.com",)),
    ("Threads", ("threads.net",)),
    ("Pinterest", ("pinterest.com",)),
    ("Reddit", ("reddit.com",)),
    ("TikTok", ("tiktok.com",)),
)
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign")
# Agents that are not people reading pages: matched on top of ua-parser's "Spider".
BOT_PATTERN = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|yeti|daumoa|bingpreview|facebookexternalhit|"
    r"embedly|preview|monitor|pingdom|uptime|lighthouse|pagespeed|gtmetrix|phantomjs|"
    r"selenium|puppeteer|python-|python/|requests|curl/|wget|httpclient|okhttp|"
    r"go-http|java/|libwww|scrapy|node-fetch|axios|postman|insomnia|headless",
    re.IGNORECASE,
)
HEADLESS = re.compile(r"headless", re.IGNORECASE)
MAX_UA = 512


@dataclass(frozen=True)
class Referrer:
    kind: str  # schema.REFERRER_KINDS, or "internal" (the site itself: not a new source)
    name: str = ""
    keyword: str = ""


@dataclass(frozen=True)
class Agent:
    browser: str
    browser_version: str
    os: str
    device: str
    is_bot: bool


def _host_matches(host: str, pattern: str) -> bool:
    if pattern.endswith(".*"):
        # "google.*": google.com, google.co.kr, www.google.de
        stem = pattern[:-2]
        labels = host.split(".")
        return any(
            label == stem and 1 <= len(labels) - i - 1 <= 2 for i, label in enumerate(labels)
        )
    return host == pattern or host.endswith("." + pattern)


def _first_param(query: dict[str, list[str]], names: tuple[str, ...]) -> str:
    for name in names:
        values = query.get(name)
        if values and values[0].strip():
            return values[0].strip()[:200]
    return ""


@lru_cache(maxsize=8192)
def host_of(url: str) -> str:
    """Return the lower-case host of ``url`` without ``www.``, or ''."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host.removeprefix("www.")


def referrer_classify(
    *, referrer: str, page_url: str = "", site_hosts: frozenset[str] = frozenset()
) -> Referrer:
    """Classify where a visitor came from.

    Campaign parameters (``utm_*``) on the landing page win over the referrer; then a
    search engine (with its keyword), a social network, the site itself (``internal``),
    another website (by host); no referrer is ``direct``.
    """
    utm = utm_params(page_url)
    if utm["utm_source"] or utm["utm_campaign"]:
        return Referrer("campaign", utm["utm_source"] or utm["utm_campaign"])
    if not referrer:
        return Referrer("direct")
    host = host_of(referrer)
    if not host:
        return Referrer("direct")
    page_host = host_of(page_url)
    if host == page_host or host in site_hosts:
        return Referrer("internal", host)
    for name, patterns, params in SEARCH_ENGINES:
        if any(_host_matches(host, p) for p in patterns):
            try:
                query = parse_qs(urlsplit(referrer).query)
            except ValueError:
                query = {}
            return Referrer("search", name, _first_param(query, params))
    for name, hosts in SOCIAL_NETWORKS:
        if any(_host_matches(host, h) for h in hosts):
            return Referrer("social", name)
    return Referrer("website", host)


def utm_params(url: str) -> dict[str, str]:
    """Return the ``utm_source``, ``utm_medium`` and ``utm_campaign`` of ``url`` ('' if none)."""
    if "utm_" not in url:
        return dict.fromkeys(UTM_FIELDS, "")
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        query = {}
    return {field: _first_param(query, (field,)) for field in UTM_FIELDS}


def _device(os_family: str, device_family: str, ua: str) -> str:
    lowered = ua.lower()
    if "ipad" in lowered or "tablet" in lowered:
        return "tablet"
    if os_family == "Android":
        # Android phones say "Mobile"; tablets do not.
        return "mobile" if "mobile" in lowered else "tablet"
    if os_family in ("iOS", "Windows Phone", "KaiOS") or "mobile" in lowered:
        return "mobile"
    if os_family in ("Windows", "Mac OS X", "macOS", "Linux", "Ubuntu", "Chrome OS", "Fedora"):
        return "desktop"
    if device_family == "Other" and os_family == "Other":
        return "other"
    return "desktop" if os_family != "Other" else "other"


@lru_cache(maxsize=4096)
def user_agent_parse(ua: str, *, allow_headless: bool = False) -> Agent:
    """Return browser, version, OS and device of a user agent, and whether it is a bot.

    ``allow_headless`` lets headless browsers through (our own browser test drives one);
    otherwise they count as bots.
    """
    ua = ua[:MAX_UA]
    if not ua.strip():
        return Agent("", "", "", "other", True)
    result = ua_parse(ua)
    agent = result.user_agent
    os_family = result.os.family if result.os else "Other"
    device_family = result.device.family if result.device else "Other"
    browser = agent.family if agent else "Other"
    version = agent.major if agent and agent.major else ""
    bot_text = HEADLESS.sub("", ua) if allow_headless else ua
    is_bot = device_family == "Spider" or bool(BOT_PATTERN.search(bot_text))
    if allow_headless and browser == "HeadlessChrome":
        browser = "Chrome"
    return Agent(
        browser=browser if browser != "Other" else "",
        browser_version=version,
        os=os_family if os_family != "Other" else "",
        device=_device(os_family, device_family, ua),
        is_bot=is_bot,
    )


def ip_anonymize(address: str) -> str:
    """Zero the last octet of an IPv4 address, the last 80 bits of an IPv6 one.

    An IPv4-mapped IPv6 address is treated as the IPv4 address. Return '' for garbage.
    """
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ipaddress.IPv4Address(int(ip) & 0xFFFFFF00))
    return str(ipaddress.IPv6Address(int(ip) & ~((1 << 80) - 1)))


def client_ip(*, remote_addr: str, forwarded_for: str, trusted_proxies: list[str]) -> str:
    """Return the client address: ``X-Forwarded-For`` counts only behind a trusted proxy.

    Walk the forwarded chain from the right while each hop is a trusted proxy; the first
    untrusted address is the client (addresses further left could be forged by it).
    """
    networks = []
    for entry in trusted_proxies:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue

    def trusted(addr: str) -> bool:
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return False
        return any(ip in net for net in networks)

    if not forwarded_for or not trusted(remote_addr):
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not trusted(hop):
            return hop
    return hops[0] if hops else remote_addr
