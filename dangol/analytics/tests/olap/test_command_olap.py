"""``dangol olap query`` prints CSV or JSON from the current warehouse."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def olap(*args: str) -> str:
    out = StringIO()
    call_command("olap", *args, stdout=out)
    return out.getvalue()


def test_csv(published_warehouse):
    output = olap(
        "query",
        "--measure",
        "revenue",
        "--by",
        "region",
        "--by",
        "month",
        "--filter",
        "customer_group=retail",
        "--format",
        "csv",
    )

    assert output == (
        "region,month,revenue\n"
        "busan,2025-01,3000.00\n"
        "seoul,2025-01,7000.00\n"
        "seoul,2025-02,4500.00\n"
    )


def test_json_with_compare_and_top(published_warehouse):
    output = olap(
        "query",
        "--measure",
        "customers",
        "--measure",
        "revenue",
        "--by",
        "gender",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
        "--compare",
        "--top",
        "1",
        "--format",
        "json",
    )

    document = json.loads(output)
    assert document["rows"] == [
        {
            "gender": "F",
            "customers": 1,
            "customers_previous": 2,
            "customers_change": -1,
            "customers_change_pct": "-50.00",
            "revenue": "5000.00",
            "revenue_previous": "14500.00",
            "revenue_change": "-9500.00",
            "revenue_change_pct": "-65.52",
        }
    ]


def test_repeated_filter_accepts_several_values(published_warehouse):
    output = olap(
        "query",
        "--measure",
        "orders",
        "--by",
        "region",
        "--filter",
        "region=busan",
        "--filter",
        "region=seoul",
    )

    assert output == "region,orders\nbusan,1\nseoul,4\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--measure", "profit"], "profit"),
        (["--measure", "revenue", "--filter", "region"], "dimension=value"),
        (["--measure", "revenue", "--from", "yesterday"], "yesterday"),
    ],
)
def test_errors(published_warehouse, args, message):
    with pytest.raises(CommandError, match=message):
        olap("query", *args)


def test_no_warehouse(settings, tmp_path):
    settings.DATA_DIR = tmp_path

    with pytest.raises(CommandError, match="warehouse"):
        olap("query", "--measure", "revenue")
