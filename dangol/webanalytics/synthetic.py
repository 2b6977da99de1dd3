"""A synthetic web-analytics store for benchmarks and demos, generated set-based in DuckDB.

``webanalytics_synthetic_generate`` fills ``web_event`` and ``web_visit`` of a DuckDB file
with about ``events`` events over ``days`` days ending on ``end`` (exclusive), in a handful
of SQL statements (no Python loop over rows). Randomness is a hash of the row's ids and a
salt, so a run is reproducible whatever the number of threads.

Shapes: visitors return with a Zipf-like frequency (a visitor index drawn as U**3 over
the population); about 4 events per visit (geometric), 22 % single-page visits; channels
direct 35 %, search 30 % (Naver, Google, Daum, Bing, with Korean and English keywords,
40 % of them not provided), website 15 %, social 10 % (Facebook, Instagram, KakaoTalk,
YouTube, X), campaign 10 % (utm campaigns with Campaign ids); pages drawn with a heavy
head (home, category and product pages, cart, checkout); 2.5 % error events (404 on old
links, 500 on checkout), 4 % site searches, 3.5 % goals with values; 5 % of visitors are
known customers (ids 1..).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from dangol.webanalytics import schema
from dangol.webanalytics.rollups import webanalytics_rollup_refresh

_KEYWORDS = [
    "운동화", "노트북", "원피스", "에어프라이어", "캠핑의자", "선크림",
    "무선 이어폰", "단골 쇼핑몰",
    "sneakers", "laptop", "gift card", "coffee beans", "아이패드 케이스", "전기자전거", "유모차",
    "refund policy", "배송 조회", "쿠폰", "세일", "신상품",
]  # fmt: skip
_SITE_SEARCH = ["shoes", "운동화", "coat", "가방", "Laptop", " 쿠폰 ", "size guide", "반품", "gift"]
_SOCIAL = ["Facebook", "Instagram", "KakaoTalk", "YouTube", "X"]
_WEBSITES = ["blog.naver.com", "cafe.daum.net", "ppomppu.co.kr", "clien.net", "partner.example.kr"]
_CAMPAIGNS = [
    "spring_sale", "vip_week", "newsletter_may", "app_install", "chuseok_gift", "black_friday",
    "winback_q3", "launch_x1",
]  # fmt: skip
_BROWSERS = ["Chrome", "Chrome", "Chrome", "Chrome", "Chrome", "Safari", "Safari",
             "Samsung Internet", "Edge", "Whale", "Firefox"]  # fmt: skip
_SCREENS = ["1920x1080", "1366x768", "2560x1440", "390x844", "412x915", "360x800", "820x1180",
            "1536x864", ""]  # fmt: skip
_GOALS = ["purchase", "signup", "newsletter"]
HOST = "https://shop.example.kr"


def _list(values: list[str]) -> str:
    """Return a DuckDB list literal of constant strings (ours, never user input)."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _pages() -> list[str]:
    pages = ["/", "/products/", "/cart", "/checkout", "/checkout/done", "/search", "/login"]
    pages += [f"/category/{c}" for c in ("shoes", "bags", "kitchen", "beauty", "kids", "outdoor")]
    pages += [f"/products/{i}" for i in range(1, 400)]
    pages += [f"/blog/{i}" for i in range(1, 80)]
    return pages


def webanalytics_synthetic_generate(
    *,
    path: Path,
    events: int = 10_000_000,
    days: int = 90,
    end: dt.date,
    visitors: int | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    rollups: bool = True,
) -> dict[str, int]:
    """Write a synthetic store at ``path`` (replacing its tables); return the row counts.

    Events are appended in time order (as collection does), then the visits are derived
    and, with ``rollups``, the daily rollups built.
    """
    own = con is None
    if own:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
    try:
        return _generate(con, events=events, days=days, end=end, visitors=visitors, rollups=rollups)
    finally:
        if own:
            con.close()


def _generate(
    con, *, events: int, days: int, end: dt.date, visitors: int | None, rollups: bool
) -> dict:
    visits = max(1, round(events / 4.06))
    population = visitors or max(1, visits // 4)
    start = dt.datetime.combine(end - dt.timedelta(days=days), dt.time())
    con.execute("DROP TABLE IF EXISTS web_event")
    con.execute("DROP TABLE IF EXISTS web_visit")
    con.execute(schema.EVENT_DDL)
    con.execute(schema.VISIT_DDL)
    con.execute("CREATE OR REPLACE TEMP MACRO rnd(a, b) AS (hash(a, b) % 1000003) / 1000003.0")
    con.execute("CREATE OR REPLACE TEMP MACRO pick(l, r) AS l[1 + floor(r * len(l))::INTEGER]")
    pages = _pages()
    con.execute(
        f"""
CREATE OR REPLACE TEMP TABLE syn_visit AS
WITH v AS (
    SELECT i AS visit_id,
           floor($population * pow(rnd(i, 'who'), 3))::BIGINT AS who,
           $start + to_microseconds((rnd(i, 'when') * $days * 86400e6)::BIGINT) AS started_at,
           rnd(i, 'channel') AS ch, rnd(i, 'engine') AS en, rnd(i, 'kw') AS kw,
           1 + least(29, floor(-ln(1 - rnd(i, 'len') * 0.999999) * 3.5))::INTEGER AS n,
           10 + floor(rnd(i, 'pace') * 80)::INTEGER AS pace,
           rnd(i, 'device') AS dv
    FROM range(1, $visits + 1) t(i)
)
SELECT visit_id, started_at, n, pace,
       'v' || lpad(to_hex(hash(who, 'visitor') % 100000000000), 10, '0') AS visitor_id,
       CASE WHEN who % 20 = 0 THEN who // 20 + 1 END AS customer_id,
       CASE WHEN ch < 0.35 THEN 'direct' WHEN ch < 0.65 THEN 'search' WHEN ch < 0.75 THEN 'social'
            WHEN ch < 0.85 THEN 'campaign' ELSE 'website' END AS referrer_kind,
       CASE WHEN ch < 0.35 THEN ''
            WHEN ch < 0.65 THEN CASE WHEN en < 0.45 THEN 'Naver' WHEN en < 0.80 THEN 'Google'
                                     WHEN en < 0.92 THEN 'Daum' ELSE 'Bing' END
            WHEN ch < 0.75 THEN pick({_list(_SOCIAL)}, en)
            WHEN ch < 0.85 THEN 'newsletter'
            ELSE pick({_list(_WEBSITES)}, en) END AS referrer_name,
       CASE WHEN ch >= 0.35 AND ch < 0.65 AND kw >= 0.4
            THEN pick({_list(_KEYWORDS)}, pow((kw - 0.4) / 0.6, 2)) ELSE '' END AS search_keyword,
       CASE WHEN ch >= 0.75 AND ch < 0.85 THEN floor(kw * 8)::BIGINT + 1 END AS campaign_id,
       CASE WHEN ch >= 0.75 AND ch < 0.85 THEN pick({_list(_CAMPAIGNS)}, kw) ELSE '' END
           AS utm_campaign,
       CASE WHEN ch >= 0.75 AND ch < 0.85 THEN 'newsletter' ELSE '' END AS utm_source,
       CASE WHEN ch >= 0.75 AND ch < 0.85 THEN 'email' ELSE '' END AS utm_medium,
       pick({_list(_BROWSERS)}, rnd(who, 'browser')) AS browser,
       CASE WHEN dv < 0.45 THEN 'desktop' WHEN dv < 0.93 THEN 'mobile' WHEN dv < 0.99 THEN 'tablet'
            ELSE 'other' END AS device,
       CASE WHEN dv < 0.45 THEN CASE WHEN rnd(who, 'os') < 0.8 THEN 'Windows' ELSE 'macOS' END
            WHEN dv < 0.93 THEN CASE WHEN rnd(who, 'os') < 0.7 THEN 'Android' ELSE 'iOS' END
            WHEN dv < 0.99 THEN 'iPadOS' ELSE 'Linux' END AS os,
       pick({_list(_SCREENS)}, rnd(who, 'screen')) AS screen
FROM v
""",
        {"population": population, "start": start, "days": days, "visits": visits},
    )
    con.execute(
        f"""
INSERT INTO web_event
WITH e AS (
    SELECT v.*, s.k AS seq, rnd(v.visit_id * 64 + s.k, 'kind') AS kr,
           rnd(v.visit_id * 64 + s.k, 'page') AS pr
    FROM syn_visit v, range(0, v.n) s(k)
), e2 AS (
    SELECT *,
        CASE WHEN seq = 0 OR kr < 0.88 THEN 'pageview' WHEN kr < 0.92 THEN 'search'
             WHEN kr < 0.94 THEN 'outlink' WHEN kr < 0.965 THEN 'error' ELSE 'goal' END AS kind,
        pick({_list(pages)}, pow(pr, 3)) AS page
    FROM e
)
SELECT
    row_number() OVER (ORDER BY started_at + to_seconds(seq * pace), visit_id, seq) AS event_id,
    started_at + to_seconds(seq * pace) AS ts,
    'shop', visitor_id, visit_id, customer_id, kind,
    {HOST!r} || CASE WHEN kind = 'error' AND pr < 0.8 THEN '/old/' || (floor(pr * 50)::INT)
                     WHEN kind = 'error' THEN '/checkout' ELSE page END AS url,
    CASE WHEN kind = 'error' AND pr < 0.8 THEN '/old/' || (floor(pr * 50)::INT)
         WHEN kind = 'error' THEN '/checkout' ELSE page END AS path,
    '' AS title,
    CASE WHEN seq > 0 THEN {HOST!r} || pick({_list(pages[:40])}, pr)
         WHEN referrer_kind = 'search' THEN 'https://' || lower(referrer_name) || '.com/search'
         WHEN referrer_kind IN ('social', 'website') THEN 'https://' || referrer_name || '/'
         ELSE '' END AS referrer_url,
    referrer_kind, referrer_name, search_keyword, utm_source, utm_medium, utm_campaign,
    campaign_id,
    CASE WHEN kind = 'search' THEN pick({_list(_SITE_SEARCH)}, pow(pr, 2)) ELSE '' END,
    CASE WHEN kind = 'outlink' THEN 'https://partner.example.kr/' || seq ELSE '' END,
    CASE WHEN kind = 'error' THEN CASE WHEN pr < 0.8 THEN 404 ELSE 500 END END::SMALLINT,
    CASE WHEN kind = 'goal' THEN pick({_list(_GOALS)}, pr) ELSE '' END,
    CASE WHEN kind = 'goal' THEN round(5000 + pr * 95000) END,
    browser, '', os, device, screen, 24, '203.0.113.0',
    CASE WHEN kind = 'pageview' AND seq < n - 1 THEN pace * 1000 END
FROM e2
ORDER BY ts, visit_id, seq
"""
    )
    con.execute(VISITS_FROM_EVENTS_SQL)
    for ddl in schema.INDEX_DDL:
        con.execute(ddl)
    con.execute("DROP TABLE syn_visit")
    if rollups:
        webanalytics_rollup_refresh(con=con, full=True)
    counts = {
        "events": con.execute("SELECT count(*) FROM web_event").fetchone()[0],
        "visits": con.execute("SELECT count(*) FROM web_visit").fetchone()[0],
    }
    con.execute("CHECKPOINT")
    return counts


# Build every visit from its events (entry, exit, counts, goals): the same derivation the
# ingester keeps up to date per batch.
VISITS_FROM_EVENTS_SQL = """
INSERT INTO web_visit
SELECT
    visit_id, any_value(site), any_value(visitor_id), max(customer_id),
    min(ts), max(ts),
    coalesce(arg_min(path, (ts, event_id)) FILTER (WHERE kind = 'pageview'), ''),
    coalesce(arg_max(path, (ts, event_id)) FILTER (WHERE kind = 'pageview'), ''),
    count(*) FILTER (WHERE kind = 'pageview'), count(*),
    arg_min(referrer_kind, (ts, event_id)), arg_min(referrer_name, (ts, event_id)),
    arg_min(search_keyword, (ts, event_id)), arg_min(utm_source, (ts, event_id)),
    arg_min(utm_medium, (ts, event_id)), arg_min(utm_campaign, (ts, event_id)),
    arg_min(campaign_id, (ts, event_id)),
    any_value(browser), any_value(os), any_value(device), any_value(screen),
    count(*) FILTER (WHERE kind = 'goal'), coalesce(sum(goal_value), 0)
FROM web_event
GROUP BY visit_id
ORDER BY min(ts)
"""
