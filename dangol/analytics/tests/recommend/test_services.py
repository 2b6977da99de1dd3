"""Refresh from a warehouse into Recommendation, the selector, the 360 panel, CLI and task."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from dangol.analytics.models import ModelKind, ModelRun, Recommendation
from dangol.analytics.recommend.selectors import recommendations_for_customer
from dangol.analytics.recommend.services import (
    recommendations_evaluate,
    recommendations_refresh,
    recommendations_score_after_refresh,
)
from dangol.analytics.recommend.tasks import recommendations_refresh_task
from dangol.analytics.tests.recommend import baskets as b
from dangol.core.jobs import job_create, job_get
from dangol.core.models import JobStatus

pytestmark = pytest.mark.django_db


def _stored(customers, products, kind):
    back_c = {c.pk: n for n, c in customers.items()}
    back_p = {p.pk: n for n, p in products.items()}
    out: dict[int, list] = {}
    for r in Recommendation.objects.filter(kind=kind).order_by("customer_id", "rank"):
        out.setdefault(back_c[r.customer_id], []).append(
            (back_p[r.product_id], pytest.approx(r.score))
        )
    return out


def test_refresh_with_an_as_of_day_stores_the_hand_computed_recommendations(shop):
    customers, products = shop
    run = recommendations_refresh(as_of=dt.date(2026, 1, 31))  # the orders before the split
    assert run.kind == ModelKind.RECOMMEND and run.version == 1
    assert run.customers_scored == 4
    assert _stored(customers, products, "cross") == {
        c: [(p, pytest.approx(s)) for p, s in recs] for c, recs in b.COSINE.items()
    }
    up = _stored(customers, products, "up")
    assert up == {c: [(p, pytest.approx(s)) for p, s in recs] for c, recs in b.UPSELL.items()}


def test_refresh_replaces_the_previous_run_and_evaluates(shop):
    first = recommendations_refresh(evaluate=False)
    second = recommendations_refresh()
    assert set(Recommendation.objects.values_list("model_run_id", flat=True)) == {second.pk}
    # On all orders: cross-sell 1 + 2 + 2 + 3 + 4 rows (customers 10..14), up-sell 0 + 2 +
    # 1 + 2 + 2 (customer 10 owns the dearest milk already).
    assert first.metrics == {"recommendations_written": 19}
    # With everything: the split is 30 days before the last purchase (2026-01-15).
    assert second.metrics["split_date"] == "2026-01-15"
    assert second.metrics["test_customers"] == 2
    assert second.metrics["methods"]["popularity"]["hit_rate"] == 1.0
    assert set(second.charts) == {"hit_rate_at_k", "precision_at_k", "methods_at_k"}
    assert second.charts["methods_at_k"]["type"] == "bar"


def test_selector_interleaves_kinds_by_rank_and_limits(shop):
    customers, products = shop
    recommendations_refresh(evaluate=False)
    recs = recommendations_for_customer(customer_id=customers[13].pk, limit=3)
    # After all orders customer 13 owns 3, 6: cross [4, 1, 2], up [1, 2].
    assert [(r.kind, r.rank) for r in recs] == [("cross", 1), ("up", 1), ("cross", 2)]
    assert recs[1].product_id == products[1].pk and recs[1].name == "milk"
    assert recs[1].category == "Milk" and recs[1].unit_price == Decimal("1000.00")
    only_up = recommendations_for_customer(customer_id=customers[13].pk, limit=5, kind="up")
    assert [r.product_id for r in only_up] == [products[1].pk, products[2].pk]
    assert recommendations_for_customer(customer_id=customers[14].pk, limit=5)[0].kind == "cross"


def test_evaluate_records_a_model_card_without_touching_recommendations(shop):
    run = recommendations_evaluate(split_date=b.SPLIT)
    assert Recommendation.objects.count() == 0
    assert run.params["evaluation_only"] is True
    assert run.metrics["test_customers"] == 2
    assert run.metrics["methods"]["popularity"] == {
        "hit_rate": 1.0,
        "precision": pytest.approx(0.1),  # one hit each in 10 slots
        "recall": 0.75,
    }
    assert run.metrics["hit_rate_lift_over_popularity"]["cosine"] == 0.5


def products_of(customers, n):
    recs = recommendations_for_customer(customer_id=customers[n].pk, limit=2)
    return recs[0].product_id, recs[1].product_id


def test_customer_360_page_shows_the_panel(shop, client, admin_user):
    customers, _ = shop
    client.force_login(admin_user)
    url = reverse("customers:detail", args=[customers[13].pk])
    assert "No recommendations yet" in client.get(url).content.decode()
    recommendations_refresh(evaluate=False)
    html = client.get(url).content.decode()
    assert 'data-kind="up"' in html and ">Up-sell<" in html
    cross_1, up_1 = products_of(customers, 13)
    assert html.index(f'data-product="{cross_1}"') < html.index(f'data-product="{up_1}"')


def test_scorer_is_registered_and_returns_customers(shop, settings):
    path = "dangol.analytics.recommend.services.recommendations_score_after_refresh"
    assert path in settings.DANGOL_SCORERS_AFTER_REFRESH
    assert recommendations_score_after_refresh(as_of=b.SPLIT, progress=None) == 4
    # With the refresh job's progress: only messages, the job's own counts stay.
    seen = []
    assert (
        recommendations_score_after_refresh(as_of=b.SPLIT, progress=lambda **kw: seen.append(kw))
        == 4
    )
    assert seen[-1] == {"message": "Writing recommendations"}
    assert all(set(kw) == {"message"} for kw in seen)


def test_refresh_task_runs_as_a_job(shop, settings, admin_user):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    job = job_create(kind="recommend.refresh", created_by=admin_user)
    recommendations_refresh_task.enqueue(job_id=job.pk)
    view = job_get(job_id=job.pk, user=admin_user)
    run = ModelRun.objects.get(kind=ModelKind.RECOMMEND)
    assert view.status == JobStatus.SUCCEEDED
    assert view.result == {"model_run": run.pk, "customers": 5}
    assert view.done == view.total == 6
    assert run.created_by == admin_user


def test_cli_refresh_and_evaluate(shop):
    out = io.StringIO()
    call_command("recommend", "evaluate", "--split-date", "2026-02-01", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["metrics"]["methods"]["cosine"]["hit_rate"] == 0.5
    out = io.StringIO()
    call_command("recommend", "refresh", "--no-evaluate", stdout=out)
    assert "5 customers" in out.getvalue()
