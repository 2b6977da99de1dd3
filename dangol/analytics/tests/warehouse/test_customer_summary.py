"""The warehouse refresh keeps the per-customer RFM summary current for its own date."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dangol.analytics.rfm import (
    FACTS,
    SUMMARY,
    fetch_arrow,
    rfm_scores,
    rfm_source,
    rfm_sql,
    rfm_window_days,
)
from dangol.analytics.tiers import tier_summary, tiers_sql, value_tiers
from dangol.analytics.warehouse.connection import warehouse_connect
from dangol.analytics.warehouse.services import warehouse_refresh


def test_refresh_builds_the_summary_and_rfm_reads_it(demo):
    warehouse_refresh()
    today, days = timezone.localdate(), rfm_window_days()
    params = {"as_of": today, "window_days": days}
    with warehouse_connect() as con:
        assert rfm_source(con, today, days) == SUMMARY
        assert rfm_source(con, today - dt.timedelta(days=1), days) == FACTS
        assert rfm_source(con, today, days + 1) == FACTS
        state = con.execute("SELECT as_of, window_days, customers FROM customer_summary_state")
        (as_of, window, customers), *rest = state.fetchall()
        assert (as_of, window, rest) == (today, days, [])
        scores = rfm_scores(con=con, as_of=today, window_days=days)
        facts = fetch_arrow(con, f"SELECT * FROM ({rfm_sql(FACTS)}) ORDER BY customer_id", params)
        assert scores.num_rows == customers > 50
        assert scores.equals(facts)
        tiers = value_tiers(con=con, as_of=today, window_days=days)
        params |= {"top": 0.2, "middle": 0.5}
        tiers_facts = fetch_arrow(
            con, f"SELECT * FROM ({tiers_sql(FACTS)}) ORDER BY customer_id", params
        )
        assert tiers.equals(tiers_facts)
        assert sum(t["customers"] for t in tier_summary(con=con, as_of=today)) == customers


def test_the_score_write_back_reads_the_summary_and_matches_the_facts(demo, monkeypatch):
    from dangol.analytics import services

    warehouse_refresh()
    today = timezone.localdate()
    with warehouse_connect() as con:
        assert rfm_source(con, today, rfm_window_days()) == SUMMARY
        from_summary = services.customer_scores_frame(con=con, as_of=today)
        monkeypatch.setattr(services, "rfm_source", lambda *args: FACTS)
        from_facts = services.customer_scores_frame(con=con, as_of=today)
    assert from_summary.num_rows > 50
    assert from_summary.equals(from_facts)
