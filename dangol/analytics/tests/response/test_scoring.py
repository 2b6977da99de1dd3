"""Train on a past campaign's contacts with warehouse features; score customers in a job."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from dangol.analytics.models import ModelKind, ModelRun
from dangol.analytics.response.services import (
    response_model_train,
    response_scores_start,
    response_study_create_from_campaign,
    response_study_create_from_csv,
    response_study_modify,
)
from dangol.analytics.response.sources import customer_features_frame
from dangol.analytics.tests.warehouse_fixture import publish_test_warehouse
from dangol.core.models import Job, JobStatus
from dangol.customers.models import CustomerScore
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
CONTACTED = dt.date(2026, 1, 10)
FEATURES = [
    {"name": "frequency", "transform": "none"},
    {"name": "monetary", "transform": "log"},
    {"name": "region", "transform": "onehot"},
]
_CONTACTS: list[pd.DataFrame] = []


def fake_campaign(*, campaign_id: int) -> pd.DataFrame:
    """The campaign hook of these tests: the contacts the fixture prepared."""
    assert campaign_id == 12
    return _CONTACTS[-1]


@pytest.fixture
def warehouse(tmp_path, settings, admin_user):
    """40 customers; customer n ordered (n % 5) + 1 times; those with 4+ orders responded."""
    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DANGOL_RESPONSE_CAMPAIGN_SOURCE = (
        "dangol.analytics.tests.response.test_scoring.fake_campaign"
    )
    customers = [CustomerFactory(owner=admin_user) for _ in range(40)]
    sales, line = [], 0
    for n, customer in enumerate(customers):
        for k in range(n % 5 + 1):
            line += 1
            sales.append(
                {
                    "order_line_id": line,
                    "order_id": line,
                    "customer_id": customer.pk,
                    "product_id": 1,
                    "ordered_at": dt.datetime(2025, 3 + k, 1 + n % 20, 10),
                    "quantity": 1,
                    "unit_price": "10000",
                }
            )
    # A purchase after the contact must not leak into the training features.
    sales.append(
        sales[0]
        | {"order_line_id": 9999, "order_id": 9999, "ordered_at": dt.datetime(2026, 1, 20, 9)}
    )
    publish_test_warehouse(
        tmp_path,
        customers=[
            {"customer_id": c.pk, "region": "seoul" if n % 2 else "busan"}
            for n, c in enumerate(customers)
        ],
        products=[{"product_id": 1, "unit_price": "10000", "unit_cost": "6000"}],
        sales=sales,
    )
    responded = [int(n % 5 >= 3) for n in range(40)]
    _CONTACTS.append(
        pd.DataFrame(
            {
                "customer_id": [c.pk for c in customers],
                "response": responded,
                "contacted_at": [CONTACTED] * 40,
            }
        )
    )
    return customers, responded


def test_features_are_read_as_of_a_day(warehouse):
    customers, _ = warehouse
    first = customer_features_frame(as_of=CONTACTED, customer_ids=[customers[0].pk])
    assert first[["frequency", "monetary"]].values.tolist() == [[1.0, 10000.0]]
    later = customer_features_frame(as_of=dt.date(2026, 2, 1), customer_ids=[customers[0].pk])
    assert later["frequency"].tolist() == [2.0]


def test_campaign_study_trains_and_scores_customers_in_a_job(
    warehouse, admin_user, django_capture_on_commit_callbacks
):
    customers, responded = warehouse
    study = response_study_create_from_campaign(name="New year", campaign_id=12)
    assert study.rows == 40 and study.response_column == "response"
    response_study_modify(study=study, features=FEATURES)
    run = response_model_train(study=study, algorithm="logistic", created_by=admin_user)
    assert run.params["scores_crm_customers"] is True
    assert run.params["source"] == "campaign" and run.params["source_ref"] == "12"
    assert run.metrics["auc"] == 1.0  # frequency separates responders exactly

    with django_capture_on_commit_callbacks(execute=True):
        job = response_scores_start(model_run=run, user=admin_user)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result == {"model_run": run.pk, "customers": 40}
    run.refresh_from_db()
    assert run.customers_scored == 40
    scores = dict(CustomerScore.objects.values_list("customer_id", "response_probability"))
    assert len(scores) == 40
    # Scored as of today, customer 0 has two orders; everyone else as in the campaign.
    low = max(scores[c.pk] for c, r in zip(customers[1:], responded[1:], strict=True) if not r)
    high = min(scores[c.pk] for c, r in zip(customers, responded, strict=True) if r)
    assert low < 0.5 < high


def test_score_a_segment_only(warehouse, admin_user, django_capture_on_commit_callbacks):
    customers, _ = warehouse
    study = response_study_create_from_campaign(name="New year", campaign_id=12)
    response_study_modify(study=study, features=FEATURES)
    run = response_model_train(study=study, algorithm="gbm")
    segment = [customers[3].pk, customers[4].pk]
    with django_capture_on_commit_callbacks(execute=True):
        job = response_scores_start(model_run=run, user=admin_user, customer_ids=segment)
    assert Job.objects.get(pk=job.pk).result["customers"] == 2
    assert sorted(CustomerScore.objects.values_list("customer_id", flat=True)) == segment


def test_csv_of_customer_ids_joins_warehouse_features(warehouse):
    customers, responded = warehouse
    csv = pd.DataFrame({"customer_id": [c.pk for c in customers], "clicked": responded})
    study = response_study_create_from_csv(
        name="Clicks",
        file=io.BytesIO(csv.to_csv(index=False).encode()),
        response_column="clicked",
        join_warehouse_features=True,
        data_from=CONTACTED,
    )
    assert study.rows == 40
    names = [f["name"] for f in study.features]
    assert names[:3] == ["recency_days", "frequency", "monetary"] and "customer_id" not in names
    response_study_modify(study=study, features=FEATURES)
    run = response_model_train(study=study, algorithm="logistic")
    assert ModelRun.objects.filter(kind=ModelKind.RESPONSE).count() == 1
    assert run.data_from == CONTACTED and run.params["scores_crm_customers"] is True
