"""Every import test again with big-file streaming forced on tiny slices.

``streaming.py`` reads customer and order CSV files above a size in slices and runs the
checks across the file at the end; forcing it on for every file, with slices of a few
lines, checks that it gives exactly what reading the file whole gives.
"""

from __future__ import annotations

import pytest

from dangol.integration import streaming

from .test_importers import *  # noqa: F403  (the same tests, run again below)

_iter_slices = streaming.iter_slices


@pytest.fixture(autouse=True, params=[40, 200])
def _stream_everything(request, monkeypatch):
    def tiny_slices(path, codec, start, slice_bytes):
        # A few lines a slice; at most ~40 slices for the 10,000-row files (time).
        size = max(request.param, path.stat().st_size // 40)
        return _iter_slices(path, codec, start, size)

    monkeypatch.setattr(streaming, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(streaming, "iter_slices", tiny_slices)


@pytest.mark.django_db
def test_progress_covers_the_merge(tmp_path):  # replaces the whole-file version
    rows = [f"P{i},person,고객{i},,,,,,,,,,,,," for i in range(10_001)]
    steps: list[int] = []
    totals: list[int] = []
    import_file(  # noqa: F405
        kind="customers",
        path=customers_csv(tmp_path, rows),  # noqa: F405
        progress=steps.append,
        progress_total=totals.append,
    )
    assert sum(steps) == 2 * 10_001  # every row staged, then merged
    assert len(steps) > 2  # slice by slice
    assert totals[-1] == 2 * 10_001  # the estimate ends exact


@pytest.mark.django_db
def test_orders_spread_over_slices_are_joined_up(tmp_path, retail, products):
    import_file(kind="customers", path=customers_csv(tmp_path))  # noqa: F405
    rows = [  # O1's lines are far apart: other slices lie between them
        "O1,C001,2024-03-01 13:45,P1,2,2500,0,online",
        "O2,C002,2024-03-02 10:00,P1,1,2400,0,store",
        "O3,C003,2024-03-03 10:00,P2,4,4000,0,store",
        "O2,C002,2024-03-02 10:00,P2,3,4000,0,store",
        "O1,C001,2024-03-01 13:45,P2,1,4000.50,500,online",
    ]
    result = import_file(kind="orders", path=orders_csv(tmp_path, rows))  # noqa: F405
    assert (result.inserted, result.extra["lines_written"]) == (3, 5)
    lines = OrderLine.objects.order_by("order__number", "product__sku")  # noqa: F405
    assert list(lines.values_list("order__number", "product__sku", "quantity")) == [
        ("O1", "P1", 2),
        ("O1", "P2", 1),
        ("O2", "P1", 1),
        ("O2", "P2", 3),
        ("O3", "P2", 4),
    ]
    again = import_file(kind="orders", path=orders_csv(tmp_path, rows[::-1], "r.csv"))  # noqa: F405
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


@pytest.mark.django_db
def test_a_quoted_line_break_never_splits_a_row(tmp_path, retail):
    rows = [
        f'Q{i},person,"고객 {i}\nline two",,,,,,,,,,,,,'
        if i % 3 == 0
        else f"Q{i},person,고객{i},,,,,,,,,,,,,"
        for i in range(30)
    ]
    rows.append("Q29,person,dup,,,,,,,,,,,,,")
    path = customers_csv(tmp_path, rows)  # noqa: F405
    with pytest.raises(RejectedRowsError) as exc_info:  # noqa: F405
        import_file(kind="customers", path=path)  # noqa: F405
    # Lines: each quoted name takes two; Q29 is on line 41, its copy on line 42.
    assert rejects_of(exc_info) == [  # noqa: F405
        (41, "external_id", "duplicate external_id in the file (2 rows, first at line 41)"),
        (42, "external_id", "duplicate external_id in the file (2 rows, first at line 41)"),
    ]
    result = import_file(kind="customers", path=path, skip_bad=True)  # noqa: F405
    assert (result.inserted, result.rejected) == (29, 2)
    assert Customer.objects.get(external_id="Q27").name == "고객 27\nline two"  # noqa: F405
