"""Shared fixtures of the warehouse tests: a small demo business and a private data dir."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

DEMO_END = dt.date(2026, 6, 30)


@pytest.fixture
def data_dir(settings, tmp_path):
    """Point DATA_DIR (hence the warehouse) at a fresh directory."""
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def demo(db, data_dir):
    """A 300-customer, one-year demo business in the operational database."""
    call_command(
        "demo",
        customers=300,
        products=40,
        years=1,
        seed=3,
        no_serve=True,
        end_date=DEMO_END,
        stdout=io.StringIO(),
    )


@pytest.fixture
def committed_demo(transactional_db, data_dir):
    """The same demo, committed: a refresh outside any transaction, as in production."""
    call_command(
        "demo",
        customers=300,
        products=40,
        years=1,
        seed=3,
        no_serve=True,
        end_date=DEMO_END,
        stdout=io.StringIO(),
    )
