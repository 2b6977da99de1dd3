"""Gunicorn settings for production.

Run ``gunicorn -c python:dangol.config.gunicorn dangol.config.wsgi``.

Defaults suit a small machine (docs/operations.md, "Production server"): two processes per
core plus one, each with two threads. Requests wait on the database part of the time, so
a second thread overlaps that wait; more threads than that share one process's GIL and
its connections (a gthread worker keeps the keep-alive connections it accepted), so a busy
process queued requests while another idled: under 150 users on the 1M demo, 3 workers x
4 threads gave p99 180-220 ms and 5 x 2 gave 110 ms (docs/performance.md, "Under load").
Each thread keeps its own persistent database connection (``CONN_MAX_AGE``), so workers x
threads connections.
Override with ``DANGOL_BIND``, ``DANGOL_WEB_WORKERS``, ``DANGOL_WEB_THREADS`` and
``DANGOL_WEB_TIMEOUT``, or with gunicorn's own flags after ``-c``.
"""

import os

from dangol.config.env import env_int, env_str

bind = env_str("DANGOL_BIND", "127.0.0.1:8000")
workers = env_int("DANGOL_WEB_WORKERS", 2 * (os.cpu_count() or 1) + 1)
worker_class = "gthread"
threads = env_int("DANGOL_WEB_THREADS", 2)
timeout = env_int("DANGOL_WEB_TIMEOUT", 60)
# Import the application once in the master: a worker (re)started later is a fork, not
# seconds of imports on a core that is serving requests meanwhile. Nothing opens a
# database connection at import time, so no connection is shared across the fork.
preload_app = True
# Recycle workers now and then (with jitter, so not all at once) to bound slow leaks; at
# 5,000 a worker under the load test restarted every few minutes, each restart a latency
# spike (docs/performance.md, "Under load").
max_requests = env_int("DANGOL_WEB_MAX_REQUESTS", 50000)
max_requests_jitter = max_requests // 10
accesslog = env_str("DANGOL_ACCESS_LOG", "") or None
errorlog = "-"
