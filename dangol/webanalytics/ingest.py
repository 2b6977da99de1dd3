"""Move the spool into the DuckDB store in batches: events, visits, time on page, links.

One ingester runs at a time (a lock file in the spool folder; DuckDB also allows one
writer). A batch is every claimed spool file (up to ``GROUP_BYTES``), ingested in one
transaction by set-based SQL:

1. the files are read with ``read_json`` into a temporary table (no row loops);
2. visits: events of a visitor are ordered; an event more than 30 minutes after the
   visitor's previous one (in this batch, or the last one kept in
   ``web_visitor_state``) starts a new visit, otherwise it continues the open one. A gap
   of exactly 30 minutes continues the visit;
3. a pageview's time on page is the time to the visit's next event (the last pageview
   of the previous batch gets its value when the next event arrives);
4. ``web_visit`` rows are inserted or updated (entry and exit page, counts, end);
5. a visit's customer (portal login, campaign link) is set on all its events, also the
   earlier ones of the same visit;
6. the file names go into ``web_ingest_file`` in the same transaction.

After the batches, visits that have ended (30 minutes without an event) leave
``web_visitor_state``; each one linked to a customer gets one timeline entry (a
touchpoints ``Interaction`` on the web channel), once: ``VisitInteraction`` holds one
row per visit, so a crash before the state is pruned does not log it twice.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dangol.webanalytics.privacy import erasures_unlink_linked
from dangol.webanalytics.rollups import webanalytics_rollup_refresh
from dangol.webanalytics.schema import VISIT_TIMEOUT_MINUTES
from dangol.webanalytics.spool import spool_claim, spool_dir, spool_name
from dangol.webanalytics.store import web_store_connect, web_store_path

log = logging.getLogger(__name__)

GROUP_BYTES = 256 * 1024 * 1024
WRITE_WAIT_SECONDS = 60.0
SUMMARY_PATHS = 8

SPOOL_COLUMNS = {
    "ts": "TIMESTAMP",
    "i": "INTEGER",
    "site": "VARCHAR",
    "visitor_id": "VARCHAR",
    "customer_id": "BIGINT",
    "campaign_token": "VARCHAR",
    "kind": "VARCHAR",
    "url": "VARCHAR",
    "path": "VARCHAR",
    "title": "VARCHAR",
    "referrer_url": "VARCHAR",
    "referrer_kind": "VARCHAR",
    "referrer_name": "VARCHAR",
    "search_keyword": "VARCHAR",
    "utm_source": "VARCHAR",
    "utm_medium": "VARCHAR",
    "utm_campaign": "VARCHAR",
    "site_search": "VARCHAR",
    "outlink_url": "VARCHAR",
    "error_code": "SMALLINT",
    "goal": "VARCHAR",
    "goal_value": "DOUBLE",
    "browser": "VARCHAR",
    "browser_version": "VARCHAR",
    "os": "VARCHAR",
    "device": "VARCHAR",
    "screen": "VARCHAR",
    "color_depth": "SMALLINT",
    "ip_anon": "VARCHAR",
}


@dataclass
class IngestResult:
    files: int = 0
    events: int = 0
    visits_new: int = 0
    visits_closed: int = 0
    interactions: int = 0
    busy: bool = False


class IngestBusy(Exception):
    """Another ingester holds the lock."""


@contextmanager
def _ingest_lock() -> Iterator[None]:
    path = spool_dir() / ".ingest.lock"
    with path.open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IngestBusy from exc
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _token_links(tokens: list[str]) -> pd.DataFrame:
    """Resolve campaign tokens to (customer, campaign) through marketing's selector."""
    from dangol.marketing.execution.selectors import click_token_customer_campaign

    rows = []
    for token in tokens:
        found = click_token_customer_campaign(token=token)
        if found is not None:
            rows.append(
                {"campaign_token": token, "tok_customer": found[0], "tok_campaign": found[1]}
            )
    return pd.DataFrame(
        rows or None, columns=["campaign_token", "tok_customer", "tok_campaign"]
    ).astype({"tok_customer": "Int64", "tok_campaign": "Int64"})


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _ingest_group(con, paths: list[Path]) -> tuple[int, int]:
    """Ingest the spool files ``paths`` in one transaction; return (events, new visits)."""
    names = [spool_name(p) for p in paths]
    done = {
        row[0]
        for row in con.execute(
            "SELECT name FROM web_ingest_file WHERE list_contains(?, name)", [names]
        ).fetchall()
    }
    todo = [p for p in paths if spool_name(p) not in done and p.stat().st_size > 0]
    empty = [p for p in paths if spool_name(p) not in done and p.stat().st_size == 0]
    if not todo and not empty:
        return 0, 0
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in SPOOL_COLUMNS.items()) + "}"
    con.execute("BEGIN TRANSACTION")
    try:
        if todo:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE raw AS
                SELECT * FROM read_json({_sql_list(todo)}, format = 'newline_delimited',
                    columns = {columns}, ignore_errors = true, filename = true)"""
            )
            tokens = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT campaign_token FROM raw WHERE campaign_token <> ''"
                ).fetchall()
            ]
            con.register("links", _token_links(tokens))
            events, new_visits = _ingest_sql(con)
        else:
            events, new_visits = 0, 0
        con.register("counts", pd.DataFrame({"name": [spool_name(p) for p in [*todo, *empty]]}))
        con.execute("INSERT INTO web_ingest_file SELECT name, now()::TIMESTAMP FROM counts")
        con.execute("COMMIT")
        con.unregister("counts")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return events, new_visits


def _ingest_sql(con) -> tuple[int, int]:
    timeout = f"INTERVAL {VISIT_TIMEOUT_MINUTES} MINUTE"
    base_event, base_visit = con.execute(
        "SELECT (SELECT coalesce(max(event_id), 0) FROM web_event),"
        " (SELECT coalesce(max(visit_id), 0) FROM web_visit)"
    ).fetchone()
    # The batch, in order, with the campaign link's customer and campaign.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE b AS
        SELECT r.* EXCLUDE (filename),
            {base_event} + row_number() OVER (ORDER BY r.ts, r.filename, r.i) AS event_id,
            coalesce(r.customer_id, l.tok_customer) AS eff_customer,
            l.tok_campaign AS eff_campaign
        FROM raw r LEFT JOIN links l USING (campaign_token)
        WHERE r.ts IS NOT NULL AND r.site IS NOT NULL AND r.visitor_id IS NOT NULL"""
    )
    # Sessionize: a gap of more than the timeout starts a visit; vnum 0 continues the
    # visitor's open visit from an earlier batch.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE s AS
        WITH x AS (
            SELECT b.*, st.visit_id AS st_visit, st.last_ts AS st_last,
                lag(b.ts) OVER w AS prev_ts
            FROM b LEFT JOIN web_visitor_state st USING (site, visitor_id)
            WINDOW w AS (PARTITION BY b.site, b.visitor_id ORDER BY b.event_id)
        ), y AS (
            SELECT *, CASE WHEN prev_ts IS NULL
                    THEN st_last IS NULL OR ts - st_last > {timeout}
                    ELSE ts - prev_ts > {timeout} END AS is_new
            FROM x
        ), z AS (
            SELECT *, sum(is_new::INTEGER) OVER (PARTITION BY site, visitor_id
                ORDER BY event_id ROWS UNBOUNDED PRECEDING) AS vnum
            FROM y
        )
        SELECT *, CASE WHEN vnum = 0 THEN st_visit
            ELSE {base_visit} + dense_rank() OVER (ORDER BY site, visitor_id, vnum) END
            AS visit_id
        FROM z"""
    )
    # Per visit of the batch: what it adds.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE a AS
        SELECT visit_id, site, visitor_id, bool_or(vnum = 0) AS continuing,
            min(ts) AS started_at, max(ts) AS ended_at,
            arg_min(path, event_id) FILTER (WHERE kind = 'pageview') AS entry_path,
            arg_max(path, event_id) FILTER (WHERE kind = 'pageview') AS exit_path,
            count(*) FILTER (WHERE kind = 'pageview') AS pageviews, count(*) AS events,
            arg_min(CASE WHEN referrer_kind = 'internal' THEN 'direct' ELSE referrer_kind END,
                event_id) AS referrer_kind,
            arg_min(CASE WHEN referrer_kind = 'internal' THEN '' ELSE referrer_name END,
                event_id) AS referrer_name,
            arg_min(search_keyword, event_id) AS search_keyword,
            arg_min(utm_source, event_id) AS utm_source,
            arg_min(utm_medium, event_id) AS utm_medium,
            arg_min(utm_campaign, event_id) AS utm_campaign,
            max(eff_customer) AS customer_id, max(eff_campaign) AS campaign_id,
            arg_min(browser, event_id) AS browser, arg_min(os, event_id) AS os,
            arg_min(device, event_id) AS device,
            coalesce(arg_min(screen, event_id) FILTER (WHERE screen <> ''), '') AS screen,
            count(*) FILTER (WHERE kind = 'goal') AS goals,
            coalesce(sum(goal_value) FILTER (WHERE kind = 'goal'), 0) AS goal_value,
            arg_min(ts, event_id) AS first_ts,
            max(event_id) AS last_event_id, arg_max(ts, event_id) AS last_event_ts,
            arg_max(kind = 'pageview', event_id) AS last_is_pageview,
            max(vnum) AS vnum
        FROM s GROUP BY visit_id, site, visitor_id"""
    )
    # The visit's source, customer and campaign as they stand after this batch.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE vref AS
        SELECT a.visit_id,
            coalesce(v.referrer_kind, a.referrer_kind) AS referrer_kind,
            coalesce(v.referrer_name, a.referrer_name) AS referrer_name,
            coalesce(v.search_keyword, a.search_keyword) AS search_keyword,
            coalesce(v.customer_id, a.customer_id) AS customer_id,
            coalesce(v.campaign_id, a.campaign_id) AS campaign_id,
            a.continuing AND v.customer_id IS NULL AND a.customer_id IS NOT NULL AS newly_linked
        FROM a LEFT JOIN web_visit v ON a.continuing AND v.visit_id = a.visit_id"""
    )
    # The previous batch's last pageview of a continuing visit: its time on page ends now.
    con.execute(
        """UPDATE web_event e SET time_on_page_ms = greatest(0, CAST(
                epoch_ms(a.first_ts) - epoch_ms(st.last_event_ts) AS INTEGER))
        FROM a JOIN web_visitor_state st ON st.visit_id = a.visit_id
        WHERE a.continuing AND st.last_is_pageview AND e.event_id = st.last_event_id"""
    )
    # Back-fill the customer on earlier events of visits linked in this batch.
    con.execute(
        """UPDATE web_event e SET customer_id = r.customer_id,
            campaign_id = coalesce(e.campaign_id, r.campaign_id)
        FROM vref r WHERE r.newly_linked AND e.visit_id = r.visit_id
            AND e.customer_id IS NULL"""
    )
    events = con.execute(
        """INSERT INTO web_event
        SELECT s.event_id, s.ts, s.site, s.visitor_id, s.visit_id, r.customer_id, s.kind,
            s.url, s.path, s.title, s.referrer_url,
            CASE WHEN s.referrer_kind = 'internal' THEN r.referrer_kind ELSE s.referrer_kind END,
            CASE WHEN s.referrer_kind = 'internal' THEN r.referrer_name ELSE s.referrer_name END,
            CASE WHEN s.referrer_kind = 'internal' THEN r.search_keyword
                ELSE s.search_keyword END,
            s.utm_source, s.utm_medium, s.utm_campaign, r.campaign_id, s.site_search,
            s.outlink_url, s.error_code, s.goal, s.goal_value, s.browser, s.browser_version,
            s.os, s.device, s.screen, s.color_depth, s.ip_anon,
            CASE WHEN s.kind = 'pageview' AND s.next_ts IS NOT NULL
                THEN CAST(greatest(0, epoch_ms(s.next_ts) - epoch_ms(s.ts)) AS INTEGER) END
        FROM (SELECT *, lead(ts) OVER (PARTITION BY visit_id ORDER BY event_id) AS next_ts
              FROM s) s JOIN vref r USING (visit_id)
        ORDER BY s.event_id"""
    ).fetchone()[0]
    con.execute(
        """UPDATE web_visit v SET
            started_at = least(v.started_at, a.started_at),
            ended_at = greatest(v.ended_at, a.ended_at),
            entry_path = CASE WHEN v.entry_path = '' OR (a.started_at < v.started_at
                    AND a.entry_path IS NOT NULL) THEN coalesce(a.entry_path, v.entry_path)
                ELSE v.entry_path END,
            referrer_kind = CASE WHEN a.started_at < v.started_at THEN a.referrer_kind
                ELSE v.referrer_kind END,
            referrer_name = CASE WHEN a.started_at < v.started_at THEN a.referrer_name
                ELSE v.referrer_name END,
            search_keyword = CASE WHEN a.started_at < v.started_at THEN a.search_keyword
                ELSE v.search_keyword END,
            exit_path = CASE WHEN a.exit_path IS NOT NULL AND a.ended_at >= v.ended_at
                THEN a.exit_path ELSE v.exit_path END,
            pageviews = v.pageviews + a.pageviews,
            events = v.events + a.events,
            customer_id = coalesce(v.customer_id, a.customer_id),
            campaign_id = coalesce(v.campaign_id, a.campaign_id),
            screen = CASE WHEN v.screen = '' THEN a.screen ELSE v.screen END,
            goals = v.goals + a.goals,
            goal_value = v.goal_value + a.goal_value
        FROM a WHERE a.continuing AND v.visit_id = a.visit_id"""
    )
    new_visits = con.execute(
        """INSERT INTO web_visit
        SELECT visit_id, site, visitor_id, customer_id, started_at, ended_at,
            coalesce(entry_path, ''), coalesce(exit_path, ''), pageviews, events,
            referrer_kind, referrer_name, search_keyword, utm_source, utm_medium,
            utm_campaign, campaign_id, browser, os, device, screen, goals, goal_value
        FROM a WHERE NOT continuing ORDER BY visit_id"""
    ).fetchone()[0]
    # Each visitor's latest visit is the open one.
    con.execute(
        """INSERT OR REPLACE INTO web_visitor_state
        SELECT a.site, a.visitor_id, a.visit_id, a.ended_at, a.last_event_id,
            a.last_event_ts, a.last_is_pageview, r.customer_id, r.campaign_id
        FROM a JOIN vref r USING (visit_id)
        QUALIFY row_number() OVER (PARTITION BY a.site, a.visitor_id
            ORDER BY a.vnum DESC) = 1"""
    )
    for table in ("raw", "b", "s", "a", "vref"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return int(events), int(new_visits)


def _summary(paths: list[str], pageviews: int) -> str:
    shown = " → ".join(paths[:SUMMARY_PATHS]) + (" → …" if len(paths) > SUMMARY_PATHS else "")
    return ngettext(
        "Visited %(count)d page: %(paths)s", "Visited %(count)d pages: %(paths)s", pageviews
    ) % {"count": pageviews, "paths": shown}


def _visits_close(con, *, now: dt.datetime) -> tuple[list[dict], list[int]]:
    """Return the ended linked visits (with their pages) and every ended visit's id."""
    cutoff = timezone.make_naive(now, dt.UTC) - dt.timedelta(minutes=VISIT_TIMEOUT_MINUTES)
    ended = con.execute(
        "SELECT visit_id, customer_id FROM web_visitor_state WHERE last_ts < ?", [cutoff]
    ).fetchall()
    linked = [visit_id for visit_id, customer_id in ended if customer_id is not None]
    visits: list[dict] = []
    if linked:
        frame = con.execute(
            """SELECT v.visit_id, v.customer_id, v.started_at, v.ended_at, v.pageviews,
                v.referrer_kind, v.referrer_name, v.search_keyword,
                list(e.path ORDER BY e.event_id) FILTER (WHERE e.kind = 'pageview') AS paths
            FROM web_visit v JOIN web_event e USING (visit_id)
            WHERE list_contains(?, v.visit_id)
            GROUP BY ALL ORDER BY v.visit_id""",
            [linked],
        ).fetchall()
        keys = [
            "visit_id",
            "customer_id",
            "started_at",
            "ended_at",
            "pageviews",
            "referrer_kind",
            "referrer_name",
            "search_keyword",
            "paths",
        ]
        visits = [dict(zip(keys, row, strict=True)) for row in frame]
    return visits, [visit_id for visit_id, _customer in ended]


def _interactions_log(visits: list[dict]) -> tuple[int, list[int]]:
    """Log one timeline entry per linked visit that has none yet.

    Return how many were logged and the visits that failed (kept for the next pass).
    """
    logged = 0
    failed: list[int] = []
    for visit in visits:
        try:
            logged += _interaction_log_one(visit)
        except Exception:
            log.exception("timeline entry for visit %s failed", visit["visit_id"])
            failed.append(visit["visit_id"])
    return logged, failed


@transaction.atomic
def _interaction_log_one(visit: dict) -> int:
    """Log the timeline entry of one ended linked visit; return 1, or 0 if not needed."""
    from dangol.customers.models import Customer
    from dangol.touchpoints.choices import Direction, InteractionChannel
    from dangol.touchpoints.services import interaction_log
    from dangol.webanalytics.models import VisitInteraction

    if VisitInteraction.objects.filter(visit_id=visit["visit_id"]).exists():
        return 0
    customer = Customer.objects.filter(pk=visit["customer_id"], deleted_at__isnull=True).first()
    if customer is None:
        return 0
    paths = visit["paths"] or []
    source = visit["referrer_name"] or visit["referrer_kind"]
    lines = [
        _("Pages: %(paths)s") % {"paths": " → ".join(paths)},
        _("Came from: %(source)s") % {"source": source},
    ]
    if visit["search_keyword"]:
        lines.append(_("Search keyword: %(keyword)s") % {"keyword": visit["search_keyword"]})
    interaction = interaction_log(
        actor=None,
        customer=customer,
        channel=InteractionChannel.WEB,
        direction=Direction.INBOUND,
        subject=_summary(paths, int(visit["pageviews"]))[:200],
        body="\n".join(lines),
        occurred_at=timezone.make_aware(visit["started_at"], dt.UTC),
    )
    VisitInteraction.objects.create(
        visit_id=visit["visit_id"], customer=customer, interaction=interaction
    )
    return 1


def webanalytics_ingest(*, now: dt.datetime | None = None) -> IngestResult:
    """Ingest every spool file, then close ended visits; return what was done.

    Returns ``IngestResult(busy=True)`` without doing anything when another ingester
    is running.
    """
    result = IngestResult()
    now = now or timezone.now()
    try:
        with _ingest_lock():
            claimed = spool_claim()
            if not claimed and not web_store_path().exists():
                return result  # nothing collected yet: do not create the store
            groups: list[list[Path]] = []
            size = 0
            for path in claimed:
                if not groups or size >= GROUP_BYTES:
                    groups.append([])
                    size = 0
                groups[-1].append(path)
                size += path.stat().st_size
            for group in groups:
                con = web_store_connect(read_only=False, wait=WRITE_WAIT_SECONDS)
                try:
                    events, new_visits = _ingest_group(con, group)
                finally:
                    con.close()
                for path in group:
                    path.unlink(missing_ok=True)
                result.files += len(group)
                result.events += events
                result.visits_new += new_visits
            if result.events:
                # Reports read the daily rollups when they exist: bring them up to date
                # with this batch, or the new events would not show.
                con = web_store_connect(read_only=False, wait=WRITE_WAIT_SECONDS)
                try:
                    webanalytics_rollup_refresh(con=con)
                finally:
                    con.close()
            con = web_store_connect(read_only=False, wait=WRITE_WAIT_SECONDS)
            try:
                # Erased customers are unlinked before visits close: an ended visit of
                # theirs logs no timeline entry (docs/privacy.md).
                erasures_unlink_linked(con)
                visits, ended = _visits_close(con, now=now)
            finally:
                con.close()
            if ended:
                result.interactions, failed = _interactions_log(visits)
                ended = [visit_id for visit_id in ended if visit_id not in set(failed)]
                con = web_store_connect(read_only=False, wait=WRITE_WAIT_SECONDS)
                try:
                    con.execute(
                        "DELETE FROM web_visitor_state WHERE list_contains(?, visit_id)", [ended]
                    )
                finally:
                    con.close()
                result.visits_closed = len(ended)
            from dangol.webanalytics.collect import salts_prune

            salts_prune(directory=spool_dir().parent / "salts", today=now.date())
    except IngestBusy:
        result.busy = True
    return result


def webanalytics_ingest_sweep() -> IngestResult:
    """Ingest from ``dangol worker``'s sweep (each sweep interval)."""
    return webanalytics_ingest()
