"""The ``dangol warehouse`` command."""

from __future__ import annotations

import io

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from dangol.sales.models import OrderLine


def test_refresh_prints_a_summary_and_export_writes_parquet(demo, tmp_path):
    out = io.StringIO()
    call_command("warehouse", "refresh", "--full", stdout=out)
    text = out.getvalue()
    assert "(full)" in text
    lines = [line.split() for line in text.splitlines()]
    assert ["fact_sales", f"{OrderLine.objects.count():,}"] in lines

    out = io.StringIO()
    call_command("warehouse", "export", "--format", "parquet", str(tmp_path / "x"), stdout=out)
    assert pq.read_table(tmp_path / "x" / "fact_sales.parquet").num_rows == (
        OrderLine.objects.count()
    )


def test_export_without_a_warehouse_fails_cleanly(data_dir, tmp_path):
    with pytest.raises(CommandError, match="warehouse refresh"):
        call_command("warehouse", "export", str(tmp_path / "x"), stdout=io.StringIO())
