"""Erased customers in the web-analytics store: their visits and events unlinked.

The store links a visitor's events and visits to a customer (portal login, campaign
link). After an erasure (``customers.privacy.customer_erase``) the person's browsing must
no longer be theirs: ``customer_id`` becomes NULL on their events, visits and open
visitor state, so the pages stay counted (reports are unchanged) but nothing ties them to
the person, and an open visit logs no timeline entry for them. The ids done are kept in
``web_erased`` (ids and times only), so applying is idempotent and cheap when nothing is
new. Run after the erasure commits (``webanalytics_erasures_task``) and by every ingest
before it closes visits, so an erasure the task missed (the ingester held the file, the
worker was down, a restore) is applied by the next ingest at the latest, and a
campaign link clicked after the erasure is unlinked too.
"""

from __future__ import annotations

import duckdb

from dangol.webanalytics.store import web_store_connect, web_store_path

ERASED_TABLE = "web_erased"
ERASED_DDL = (
    f"CREATE TABLE IF NOT EXISTS {ERASED_TABLE} "
    "(customer_id BIGINT PRIMARY KEY, unlinked_at TIMESTAMP)"
)
LINKED_TABLES = ("web_event", "web_visit", "web_visitor_state")
WRITE_WAIT_SECONDS = 60.0


def erasures_unlink(con: duckdb.DuckDBPyConnection, *, erased_ids: set[int]) -> int:
    """Unlink every erased id from ``con`` (a writable store); return the rows changed.

    Ids already unlinked are checked again only in ``web_visitor_state`` (a campaign link
    of theirs ingested later), and the events and visits of those rows.
    """
    con.execute(ERASED_DDL)
    if not erased_ids:
        return 0
    done = {row[0] for row in con.execute(f"SELECT customer_id FROM {ERASED_TABLE}").fetchall()}
    new = sorted(set(erased_ids) - done)
    # A link made after the erasure (a campaign link clicked later) sits in the open state.
    again = [
        row[0]
        for row in con.execute(
            "SELECT DISTINCT customer_id FROM web_visitor_state "
            "WHERE list_contains(?, customer_id)",
            [sorted(done & set(erased_ids))],
        ).fetchall()
    ]
    ids = new + again
    if not ids:
        return 0
    changed = 0
    con.execute("BEGIN")
    try:
        for table in LINKED_TABLES:
            changed += con.execute(
                f"UPDATE {table} SET customer_id = NULL WHERE list_contains(?, customer_id)", [ids]
            ).fetchone()[0]
        con.executemany(
            f"INSERT OR IGNORE INTO {ERASED_TABLE} VALUES (?, current_timestamp::TIMESTAMP)",
            [(pk,) for pk in new],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return changed


def erasures_unlink_linked(con: duckdb.DuckDBPyConnection) -> int:
    """Unlink erased customers if the store links any customer (the ingest's check).

    The erased ids are read from the database only when some visit is linked to a
    customer: most stores link none, and the ingest then costs what it did before.
    """
    linked = con.execute(
        "SELECT 1 FROM web_visit WHERE customer_id IS NOT NULL UNION ALL "
        "SELECT 1 FROM web_visitor_state WHERE customer_id IS NOT NULL LIMIT 1"
    ).fetchall()
    if not linked:
        con.execute(ERASED_DDL)
        return 0
    from dangol.customers.selectors import customer_erased_ids

    return erasures_unlink(con, erased_ids=customer_erased_ids())


def webanalytics_erasures_apply() -> int:
    """Unlink every erased customer from the store now; return the rows changed.

    Does nothing before anything was collected (no store file).

    :raises duckdb.IOException: the ingester held the file for longer than the wait;
        the next ingest applies it anyway.
    """
    from dangol.customers.selectors import customer_erased_ids

    if not web_store_path().exists():
        return 0
    erased = customer_erased_ids()
    if not erased:
        return 0
    con = web_store_connect(read_only=False, wait=WRITE_WAIT_SECONDS)
    try:
        return erasures_unlink(con, erased_ids=erased)
    finally:
        con.close()
