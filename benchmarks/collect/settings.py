"""Settings of the /collect load test: the app's own, plus a do-nothing view as baseline."""

from dangol.config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.collect.urls"
