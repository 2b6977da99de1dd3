from __future__ import annotations

import datetime as dt

import pytest

from dangol.webanalytics.reports._base import store_path
from dangol.webanalytics.tests.store import sample_events, store_write

TODAY = dt.date(2026, 10, 20)


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def web_store(data_dir):
    """The hand-made store of ``sample_events`` in this test's data directory."""
    store_write(store_path(), sample_events())
    return store_path()
