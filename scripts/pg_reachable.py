"""Exit 0 when the PostgreSQL server in argv[1] accepts a connection, else 1."""

import sys

import psycopg

try:
    psycopg.connect(sys.argv[1], connect_timeout=5).close()
except psycopg.Error as exc:
    print(f"PostgreSQL unreachable: {exc}", file=sys.stderr)
    sys.exit(1)
