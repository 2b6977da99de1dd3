"""Local times through the 15-minute shift table equal ICU's row-by-row conversion."""

from __future__ import annotations

import duckdb
import pytest

from dangol.analytics.warehouse.transform import (
    _local,
    _local_shifted,
    _shift_join,
    _shifts_create,
)


@pytest.mark.parametrize(
    "zone", ["Asia/Seoul", "America/New_York", "Australia/Adelaide", "Asia/Kathmandu"]
)
def test_bucket_shifts_match_icu_across_daylight_saving_transitions(zone):
    con = duckdb.connect()
    # Every 7 minutes and 13 seconds over 2024-2025: both DST changes of each year, and
    # Adelaide's, which fall on a half hour in UTC (inside a 1-hour bucket).
    con.execute("""
        CREATE TEMP TABLE stage_x AS
        SELECT TIMESTAMP '2024-01-01' + i * INTERVAL 433 SECOND AS ts
        FROM range(0, 150000) t(i)
        -- Around Seoul's 1908 switch from local mean time (+8:27:52), 15:32:08 UTC: a
        -- transition inside a bucket, converted row by row.
        UNION ALL SELECT TIMESTAMP '1908-03-31 15:00:00' + i * INTERVAL 1 MINUTE
        FROM range(0, 60) t(i)
        UNION ALL SELECT NULL""")
    _shifts_create(con, zone, ["stage_x.ts"])

    inexact = con.execute("SELECT count(*) FROM stage_tz_shift WHERE NOT exact").fetchall()
    differ = con.execute(f"""
        SELECT count(*) FILTER (WHERE {_local_shifted("s.ts", zone)}
                                IS DISTINCT FROM {_local("s.ts", zone)}),
               count(*)
        FROM stage_x s{_shift_join("s.ts")}""").fetchall()

    assert differ == [(0, 150061)]
    # Today's transitions fall on quarter hours in UTC, so only Seoul's 1908 one is inside
    # a bucket.
    assert inexact[0][0] == (1 if zone == "Asia/Seoul" else 0)
