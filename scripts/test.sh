#!/usr/bin/env bash
# Run the whole suite on SQLite, then on PostgreSQL.
# With CI=true an unreachable PostgreSQL fails the run instead of skipping it.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL="${DANGOL_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
export DANGOL_DATA_DIR="${DANGOL_TEST_DATA_DIR:-$(mktemp -d)}"

echo "== Test suite on SQLite =="
env -u DATABASE_URL $BIN/pytest "$@"
sqlite_rc=$?

echo "== Test suite on PostgreSQL ($PG_URL) =="
if $BIN/python scripts/pg_reachable.py "$PG_URL"; then
  DATABASE_URL="$PG_URL" DANGOL_REQUIRE_POSTGRES=1 $BIN/pytest "$@"
  pg_rc=$?
elif [ "${CI:-}" = "true" ]; then
  echo "FAIL: PostgreSQL is not reachable at $PG_URL and CI=true makes that run mandatory."
  pg_rc=1
else
  echo "SKIPPED: PostgreSQL not reachable at $PG_URL (the run is mandatory with CI=true)."
  pg_rc=0
fi

if [ $sqlite_rc -ne 0 ] || [ $pg_rc -ne 0 ]; then
  echo "Test suite failed (sqlite=$sqlite_rc postgresql=$pg_rc)"
  exit 1
fi
