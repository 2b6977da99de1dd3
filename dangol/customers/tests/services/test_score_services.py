"""customer_scores_bulk_write: one set-based upsert of analytic scores, on both databases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from dangol.customers.errors import ValidationError
from dangol.customers.models import Customer, CustomerScore
from dangol.customers.score_services import customer_scores_bulk_write
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
FIELDS = [
    "value_tier",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "rfm_segment",
    "computed_at",
]


def _frame(ids, tiers, segments, scores):
    return pd.DataFrame(
        {
            "customer_id": ids,
            "value_tier": tiers,
            "rfm_recency": [s[0] for s in scores],
            "rfm_frequency": [s[1] for s in scores],
            "rfm_monetary": [s[2] for s in scores],
            "rfm_segment": segments,
            "computed_at": [WHEN] * len(ids),
        }
    )


def _scores():
    return {
        s.customer_id: (
            s.value_tier,
            s.rfm_recency,
            s.rfm_frequency,
            s.rfm_monetary,
            s.rfm_segment,
            s.computed_at,
            s.clv,
        )
        for s in CustomerScore.objects.all()
    }


def test_write_inserts_updates_skips_unknown_ids_and_keeps_customers_untouched():
    a, b, c = CustomerFactory.create_batch(3)
    CustomerScore.objects.create(customer=c, value_tier="top", rfm_segment="lost", clv=100)
    stamps = dict(Customer.objects.values_list("id", "updated_at"))
    rows = _frame(
        [a.pk, c.pk, 99_999_999],
        ["top", "bottom", "middle"],
        ["champions", "at_risk", "new"],
        [(5, 4, 3), (1, 2, 2), (1, 1, 1)],
    )

    assert customer_scores_bulk_write(rows=rows, fields=FIELDS) == 2

    assert _scores() == {
        a.pk: ("top", 5, 4, 3, "champions", WHEN, None),
        c.pk: ("bottom", 1, 2, 2, "at_risk", WHEN, Decimal("100.00")),
    }
    assert dict(Customer.objects.values_list("id", "updated_at")) == stamps
    assert b.pk not in _scores()

    # Idempotent: the same write again changes nothing.
    before = _scores()
    assert customer_scores_bulk_write(rows=rows, fields=FIELDS) == 2
    assert _scores() == before
    assert CustomerScore.objects.count() == 2


def test_a_subset_of_fields_leaves_the_others_and_fills_new_rows_empty():
    a, b = CustomerFactory.create_batch(2)
    CustomerScore.objects.create(customer=a, value_tier="top", rfm_segment="loyal", rfm_recency=4)
    rows = pa.table({"customer_id": [a.pk, b.pk], "rfm_recency": [2, None]})

    assert customer_scores_bulk_write(rows=rows, fields=["rfm_recency"]) == 2

    got = {
        s.customer_id: (s.value_tier, s.rfm_segment, s.rfm_recency)
        for s in CustomerScore.objects.all()
    }
    assert got == {a.pk: ("top", "loyal", 2), b.pk: ("", "", None)}


def test_clear_others_empties_the_written_fields_of_customers_that_dropped_out():
    a, b = CustomerFactory.create_batch(2)
    CustomerScore.objects.create(
        customer=b,
        value_tier="top",
        rfm_segment="loyal",
        rfm_recency=4,
        rfm_frequency=4,
        rfm_monetary=4,
        computed_at=WHEN,
        clv=Decimal("50.00"),
        p_alive=0.5,
    )
    rows = _frame([a.pk], ["middle"], ["new"], [(5, 1, 1)])

    assert customer_scores_bulk_write(rows=rows, fields=FIELDS, clear_others=True) == 1

    assert _scores() == {
        a.pk: ("middle", 5, 1, 1, "new", WHEN, None),
        b.pk: ("", None, None, None, "", None, Decimal("50.00")),
    }
    assert CustomerScore.objects.get(pk=b.pk).p_alive == 0.5


def test_float_and_decimal_fields():
    (a,) = CustomerFactory.create_batch(1)
    rows = pd.DataFrame(
        {
            "customer_id": [a.pk],
            "clv": [1234.5],
            "p_alive": [0.25],
            "churn_probability": [float("nan")],
        }
    )
    assert (
        customer_scores_bulk_write(rows=rows, fields=["clv", "p_alive", "churn_probability"]) == 1
    )
    score = CustomerScore.objects.get(pk=a.pk)
    assert (score.clv, score.p_alive, score.churn_probability) == (Decimal("1234.50"), 0.25, None)


@pytest.mark.parametrize(
    ("rows", "fields", "field"),
    [
        (pd.DataFrame({"customer_id": [1], "name": ["x"]}), ["name"], "fields"),
        (pd.DataFrame({"customer_id": [1]}), ["value_tier"], "rows"),
        (
            pd.DataFrame({"customer_id": [1, 1], "value_tier": ["top", "top"]}),
            ["value_tier"],
            "rows",
        ),
        (pd.DataFrame({"customer_id": [1]}), [], "fields"),
    ],
)
def test_invalid_input_is_rejected(rows, fields, field):
    with pytest.raises(ValidationError) as err:
        customer_scores_bulk_write(rows=rows, fields=fields)
    assert err.value.field == field


@pytest.mark.parametrize("skip_unchanged", [False, True])
def test_skip_unchanged_leaves_rows_whose_values_are_the_same(skip_unchanged):
    a, b = CustomerFactory.create_batch(2)
    rows = _frame([a.pk, b.pk], ["top", "middle"], ["loyal", "new"], [(4, 4, 4), (5, 1, 1)])
    customer_scores_bulk_write(rows=rows, fields=FIELDS)
    later = WHEN + dt.timedelta(days=1)
    rows = _frame([a.pk, b.pk], ["top", "bottom"], ["loyal", "new"], [(4, 4, 4), (5, 1, 1)])
    rows["computed_at"] = later

    written = customer_scores_bulk_write(rows=rows, fields=FIELDS, skip_unchanged=skip_unchanged)

    assert written == 2
    assert _scores() == {
        a.pk: ("top", 4, 4, 4, "loyal", WHEN if skip_unchanged else later, None),
        b.pk: ("bottom", 5, 1, 1, "new", later, None),
    }
