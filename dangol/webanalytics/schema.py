"""The web-analytics store: one DuckDB file, ``DANGOL_DATA_DIR/webanalytics/events.duckdb``.

Two tables, shared by collection (which appends) and the reports (which read):

``web_event``: one row per tracked event, appended in batches by the ingester.
``web_visit``: one row per visit (30 minutes of inactivity ends a visit), kept up to date
by the ingester from the events of each batch, so that reports over ten million events
do not sessionize on every request.

Times are UTC. ``kind`` is one of EVENT_KINDS; ``referrer_kind`` one of REFERRER_KINDS;
``device`` one of DEVICES. Strings are never NULL where a report groups by them: the
empty string stands for "unknown" so that GROUP BY needs no COALESCE.
"""

from __future__ import annotations

EVENT_KINDS = ("pageview", "outlink", "search", "error", "goal")
REFERRER_KINDS = ("direct", "search", "social", "campaign", "website")
DEVICES = ("desktop", "mobile", "tablet", "other")
VISIT_TIMEOUT_MINUTES = 30

EVENT_DDL = """
CREATE TABLE IF NOT EXISTS web_event (
    event_id      BIGINT PRIMARY KEY,
    ts            TIMESTAMP NOT NULL,
    site          VARCHAR NOT NULL,      -- site key the tracker was configured with
    visitor_id    VARCHAR NOT NULL,      -- hash of (daily salt, anon IP, UA) or tracker id
    visit_id      BIGINT NOT NULL,       -- web_visit.visit_id
    customer_id   BIGINT,                -- known customer (portal login, campaign link), else NULL
    kind          VARCHAR NOT NULL,      -- EVENT_KINDS
    url           VARCHAR NOT NULL,
    path          VARCHAR NOT NULL,      -- URL path without query string
    title         VARCHAR NOT NULL,
    referrer_url  VARCHAR NOT NULL,
    referrer_kind VARCHAR NOT NULL,      -- REFERRER_KINDS
    referrer_name VARCHAR NOT NULL,      -- 'Naver', 'Google', 'Facebook', host name, ''
    search_keyword VARCHAR NOT NULL,     -- search-engine keyword, '' when unknown
    utm_source    VARCHAR NOT NULL,
    utm_medium    VARCHAR NOT NULL,
    utm_campaign  VARCHAR NOT NULL,
    campaign_id   BIGINT,                -- marketing.Campaign id when the link carried it
    site_search   VARCHAR NOT NULL,      -- internal site-search term (kind='search')
    outlink_url   VARCHAR NOT NULL,      -- kind='outlink'
    error_code    SMALLINT,              -- 404, 500 (kind='error')
    goal          VARCHAR NOT NULL,      -- goal name (kind='goal')
    goal_value    DOUBLE,
    browser       VARCHAR NOT NULL,
    browser_version VARCHAR NOT NULL,
    os            VARCHAR NOT NULL,
    device        VARCHAR NOT NULL,      -- DEVICES
    screen        VARCHAR NOT NULL,      -- '1920x1080', '' when unknown
    color_depth   SMALLINT,
    ip_anon       VARCHAR NOT NULL,      -- last octet (IPv4) / last 80 bits (IPv6) zeroed
    time_on_page_ms INTEGER              -- set on a pageview once the visit's next event arrives
)
"""

VISIT_DDL = """
CREATE TABLE IF NOT EXISTS web_visit (
    visit_id      BIGINT PRIMARY KEY,
    site          VARCHAR NOT NULL,
    visitor_id    VARCHAR NOT NULL,
    customer_id   BIGINT,
    started_at    TIMESTAMP NOT NULL,
    ended_at      TIMESTAMP NOT NULL,
    entry_path    VARCHAR NOT NULL,
    exit_path     VARCHAR NOT NULL,
    pageviews     INTEGER NOT NULL,
    events        INTEGER NOT NULL,
    referrer_kind VARCHAR NOT NULL,      -- of the visit's first event
    referrer_name VARCHAR NOT NULL,
    search_keyword VARCHAR NOT NULL,
    utm_source    VARCHAR NOT NULL,
    utm_medium    VARCHAR NOT NULL,
    utm_campaign  VARCHAR NOT NULL,
    campaign_id   BIGINT,
    browser       VARCHAR NOT NULL,
    os            VARCHAR NOT NULL,
    device        VARCHAR NOT NULL,
    screen        VARCHAR NOT NULL,
    goals         INTEGER NOT NULL,
    goal_value    DOUBLE NOT NULL
)
"""

INDEX_DDL = (
    "CREATE INDEX IF NOT EXISTS web_event_ts ON web_event (ts)",
    "CREATE INDEX IF NOT EXISTS web_visit_started ON web_visit (started_at)",
)

ALL_DDL = (EVENT_DDL, VISIT_DDL, *INDEX_DDL)
