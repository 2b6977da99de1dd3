"""The churn-band summary the home page reads: equal to a naive count, and kept so.

Counted by every write of churn scores, moved by owner changes and the trash; trashed
customers are not counted, customers nobody owns are.
"""

from __future__ import annotations

import pandas as pd
import pytest
from django.test import Client

from dangol.core.audit.services import customer_restore, customer_trash
from dangol.customers.models import Customer, CustomerChurnBand, CustomerScore
from dangol.customers.score_services import (
    customer_churn_bands_refresh,
    customer_scores_bulk_write,
)
from dangol.customers.selectors import (
    CHURN_BAND_EDGES,
    churn_band_bounds,
    customer_churn_band_summary,
)
from dangol.customers.services import customer_update
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _naive(owners=None, owner_id=None) -> list[int]:
    """Count the live scored customers per band one by one, in Python."""
    counts = [0] * len(CHURN_BAND_EDGES)
    for customer in Customer.objects.filter(deleted_at__isnull=True):
        if owners is not None and customer.owner_id not in owners:
            continue
        if owner_id is not None and customer.owner_id != owner_id:
            continue
        score = CustomerScore.objects.filter(customer=customer).first()
        if score is None or score.churn_probability is None:
            continue
        for band in range(len(CHURN_BAND_EDGES)):
            low, high = churn_band_bounds(band)
            if score.churn_probability >= low and (high is None or score.churn_probability < high):
                counts[band] += 1
    return counts


def _summary(user, owner_id=None) -> list[int]:
    return [b["customers"] for b in customer_churn_band_summary(user=user, owner_id=owner_id).bands]


@pytest.fixture
def book(sales, other_sales, manager):
    """Twelve customers: three owners and nobody, one trashed, two without a churn score."""
    owners = [sales, sales, sales, other_sales, other_sales, manager, None, None]
    customers = [CustomerFactory(owner=o) for o in owners]
    customers += [CustomerFactory(owner=sales) for _ in range(4)]
    churn = [0.0, 0.25, 0.74, 0.75, 1.0, 0.5, 0.1, 0.9, 0.49, 0.6, None, 0.3]
    customer_scores_bulk_write(
        rows=pd.DataFrame({"customer_id": [c.pk for c in customers], "churn_probability": churn}),
        fields=["churn_probability"],
    )
    CustomerScore.objects.filter(customer=customers[11]).delete()  # never scored
    Customer.objects.filter(pk=customers[9].pk).update(deleted_at="2026-01-01T00:00:00Z")
    customer_churn_bands_refresh()
    return customers


def test_the_summary_equals_a_naive_count(book, sales, other_sales, manager, admin_user):
    assert _summary(admin_user) == _naive() == [2, 2, 2, 3]  # nobody's customers included
    assert _summary(manager) == _naive(owners={sales.pk, manager.pk}) == [1, 2, 2, 0]
    assert _summary(sales) == _naive(owners={sales.pk}) == [1, 2, 1, 0]
    assert _summary(admin_user, owner_id=other_sales.pk) == [0, 0, 0, 2]
    assert customer_churn_band_summary(user=sales).at_risk == 1
    assert customer_churn_band_summary(user=admin_user).at_risk == 5
    # The summary holds no row for nothing: (owner, band) pairs with customers only.
    assert CustomerChurnBand.objects.filter(customers=0).count() == 0


def test_a_scoring_run_counts_again(book, admin_user):
    customer_scores_bulk_write(
        rows=pd.DataFrame({"customer_id": [book[0].pk], "churn_probability": [0.95]}),
        fields=["churn_probability"],
        clear_others=True,
    )
    assert _summary(admin_user) == _naive() == [0, 0, 0, 1]


def test_owner_changes_and_the_trash_keep_it_exact(book, sales, other_sales, manager, admin_user):
    customer_update(actor=admin_user, customer=book[2], owner=other_sales)
    customer_update(actor=admin_user, customer=book[6], owner=sales)  # nobody's -> sales
    customer_update(actor=admin_user, customer=book[7], name="Renamed")  # no owner change
    customer_trash(instance=book[3], actor=admin_user)
    customer_restore(instance=Customer.objects.get(pk=book[9].pk), actor=admin_user)
    assert _summary(admin_user) == _naive() == [2, 2, 3, 2]
    assert _summary(sales) == _naive(owners={sales.pk}) == [2, 2, 1, 0]
    assert _summary(admin_user, owner_id=other_sales.pk) == _naive(owner_id=other_sales.pk)
    assert _summary(manager) == _naive(owners={sales.pk, manager.pk})


def test_each_band_links_to_a_list_with_as_many_rows(book, admin_user):
    from dangol.core.home.widgets import WIDGETS

    client = Client()
    client.force_login(admin_user)
    widget = WIDGETS["manager_churn"](user=admin_user)
    for count, url in zip(widget.chart["datasets"][0]["data"], widget.chart["links"], strict=True):
        page = client.get(url).context["page"]
        assert len(page.items) == count
    at_risk = widget.figure("at_risk")
    assert len(client.get(at_risk.url).context["page"].items) == at_risk.value == 5
    for row in widget.rows:
        assert len(client.get(row["url"]).context["page"].items) == row["customers"]
