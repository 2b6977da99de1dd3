"""customer_scores_refresh: RFM and value tiers from the warehouse onto CustomerScore."""

from __future__ import annotations

import datetime as dt

import pytest

from dangol.analytics.services import customer_scores_refresh
from dangol.analytics.tests.test_rfm import AS_OF, PRODUCTS, tiny_sales
from dangol.analytics.tests.warehouse_fixture import publish_test_warehouse
from dangol.customers.models import Customer, CustomerScore
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

EXPECTED = {  # hand-made warehouse customer -> (tier, R, F, M, segment); see test_rfm/test_tiers
    1: ("bottom", 5, 1, 1, "new"),
    2: ("bottom", 5, 1, 1, "new"),
    3: ("bottom", 4, 2, 2, "potential_loyalist"),
    4: ("middle", 4, 2, 2, "potential_loyalist"),
    5: ("middle", 3, 3, 3, "loyal"),
    6: ("middle", 3, 3, 3, "loyal"),
    7: ("middle", 2, 4, 4, "at_risk"),
    8: ("middle", 2, 4, 4, "at_risk"),
    9: ("top", 1, 5, 5, "cannot_lose"),
    10: ("top", 1, 5, 5, "cannot_lose"),
}


@pytest.fixture
def published(tmp_path, settings):
    """Customers 1..11 of the hand-made warehouse as real customers, and its file published."""
    settings.DATA_DIR = tmp_path
    customers = CustomerFactory.create_batch(11)
    ids = {n: c.pk for n, c in enumerate(customers, start=1)}
    sales = [s | {"customer_id": ids[s["customer_id"]]} for s in tiny_sales()]
    publish_test_warehouse(
        tmp_path,
        customers=[{"customer_id": pk} for pk in ids.values()],
        products=PRODUCTS,
        sales=sales,
        reference_date=AS_OF,
    )
    return ids


def test_refresh_writes_rfm_and_tiers_and_clears_dropped_customers(published):
    ids = published
    # Customer 11 bought only 400 days ago: an old score must not survive.
    CustomerScore.objects.create(
        customer_id=ids[11], value_tier="top", rfm_segment="champions", rfm_recency=5, clv=10
    )
    stamps = dict(Customer.objects.values_list("id", "updated_at"))

    before = dt.datetime.now(dt.UTC)
    assert customer_scores_refresh(as_of=AS_OF) == 10

    got = {
        s.customer_id: (s.value_tier, s.rfm_recency, s.rfm_frequency, s.rfm_monetary, s.rfm_segment)
        for s in CustomerScore.objects.all()
    }
    assert got == {ids[n]: v for n, v in EXPECTED.items()} | {ids[11]: ("", None, None, None, "")}
    assert CustomerScore.objects.get(pk=ids[11]).clv == 10
    computed = set(
        CustomerScore.objects.filter(rfm_segment__gt="").values_list("computed_at", flat=True)
    )
    assert len(computed) == 1 and computed.pop() >= before
    assert dict(Customer.objects.values_list("id", "updated_at")) == stamps

    # Idempotent: unchanged scores keep their rows, computed_at included (when they
    # last changed); a score that differs is rewritten with the new time.
    stamps_before = dict(CustomerScore.objects.values_list("customer_id", "computed_at"))
    CustomerScore.objects.filter(customer_id=ids[1]).update(rfm_recency=None)
    assert customer_scores_refresh(as_of=AS_OF) == 10
    again = {
        s.customer_id: (s.value_tier, s.rfm_recency, s.rfm_frequency, s.rfm_monetary, s.rfm_segment)
        for s in CustomerScore.objects.all()
    }
    assert again == got
    stamps_after = dict(CustomerScore.objects.values_list("customer_id", "computed_at"))
    assert stamps_after[ids[1]] > stamps_before[ids[1]]
    del stamps_after[ids[1]], stamps_before[ids[1]]
    assert stamps_after == stamps_before
