"""``clv_refresh``: fit on the warehouse, write back to the right customers, version the card."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from dangol.analytics.clv.bgnbd import BetaGeo
from dangol.analytics.clv.gamma_gamma import GammaGamma
from dangol.analytics.clv.services import clv_refresh, weekly_discount_rate
from dangol.analytics.clv.value import clv_scores
from dangol.analytics.clv.warehouse import clv_summary_warehouse
from dangol.analytics.modelcards.charts import charts_sorted, charts_validate
from dangol.analytics.models import ModelRun
from dangol.analytics.tests.clv.generated import PRODUCTS, generated_sales
from dangol.analytics.tests.warehouse_fixture import publish_test_warehouse
from dangol.customers.models import CustomerScore
from dangol.customers.score_services import customer_scores_bulk_write
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

START = dt.date(2024, 1, 1)
DAYS = 364


@pytest.fixture
def world(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    buyers = [c.pk for c in CustomerFactory.create_batch(60)]
    idle = CustomerFactory()
    # A stale score that must be cleared: this customer never bought.
    customer_scores_bulk_write(
        rows=pd.DataFrame({"customer_id": [idle.pk], "clv": [5.0], "p_alive": [0.5]}),
        fields=["clv", "p_alive"],
    )
    unknown = max(buyers) + 1000  # in the warehouse, not in the database
    sales = generated_sales([*buyers, unknown], start=START, days=DAYS, seed=7)
    path = publish_test_warehouse(tmp_path, products=PRODUCTS, sales=sales)
    frame = pd.DataFrame(sales)
    frame["day"] = frame["ordered_at"].dt.date
    return {"buyers": buyers, "idle": idle.pk, "path": path, "sales": frame}


def test_refresh_writes_clv_and_p_alive_to_each_buyer(world):
    result = clv_refresh(holdout_weeks=8, horizon_weeks=26, discount_rate=0.1)
    con = duckdb.connect(str(world["path"]), read_only=True)
    end = world["sales"]["day"].max()
    summary = clv_summary_warehouse(con=con, until=end)
    con.close()
    # The same computation by hand on the same summary.
    x, t, big_t, m = (summary[c] for c in ("frequency", "recency", "T", "monetary"))
    bgnbd = BetaGeo().fit(x, t, big_t)
    gamma_gamma = GammaGamma().fit(np.where(m > 0, x, 0), m)
    expected = clv_scores(
        bgnbd=bgnbd,
        gamma_gamma=gamma_gamma,
        frequency=x,
        recency=t,
        T=big_t,
        monetary=m,
        horizon=26,
        discount_rate=weekly_discount_rate(0.1),
    )
    by_id = dict(zip(summary["customer_id"], range(len(summary)), strict=True))
    scores = {s.customer_id: s for s in CustomerScore.objects.all()}
    assert set(scores) == {*world["buyers"], world["idle"]}
    for customer in world["buyers"]:
        i = by_id[customer]
        assert scores[customer].p_alive == pytest.approx(expected.p_alive[i], rel=1e-9)
        # Gamma-Gamma's likelihood is flat along a ridge in (q, v): the last bit of a
        # sum (numpy's result depends on memory alignment) moves the optimum by about
        # 1e-4 of a value between two fits on the same data. A customer mixed up with
        # another would be off by far more than that.
        assert float(scores[customer].clv) == pytest.approx(expected.clv[i], rel=2e-3, abs=0.01)
    assert scores[world["idle"]].clv is None
    assert scores[world["idle"]].p_alive is None
    # 61 customers summarised, the unknown id skipped.
    assert result.customers_scored == 60
    assert result.run.rows_trained == 61
    assert result.run.data_to == end
    assert result.run.params["bgnbd"]["r"] == pytest.approx(bgnbd.r_, rel=1e-5)


def test_each_refresh_is_the_next_version_with_validation_charts(world):
    first = clv_refresh(holdout_weeks=8).run
    second = clv_refresh(holdout_weeks=8).run
    assert (first.version, second.version) == (1, 2)
    assert list(ModelRun.objects.filter(kind="clv").values_list("version", flat=True)) == [1, 2]
    charts_validate(second.charts)
    assert list(charts_sorted(second.charts)) == [
        "tracking_cumulative",
        "tracking_weekly",
        "conditional_expectation",
    ]


def test_validation_counts_match_the_generated_holdout(world):
    run = clv_refresh(holdout_weeks=8).run
    sales = world["sales"]
    end = sales["day"].max()
    calibration_end = end - dt.timedelta(weeks=8)
    days = sales[["customer_id", "day"]].drop_duplicates()
    first = days.groupby("customer_id")["day"].min()
    cohort = first[first <= calibration_end].index
    in_cohort = days[days["customer_id"].isin(cohort)]
    holdout = in_cohort[in_cohort["day"] > calibration_end]
    validation = run.metrics["validation"]
    assert validation["calibration_end"] == calibration_end.isoformat()
    assert validation["customers"] == len(cohort)
    assert validation["holdout_actual_purchases"] == len(holdout)
    # Conditional expectation: actual mean holdout purchases by calibration repeat count.
    calibration = in_cohort[in_cohort["day"] <= calibration_end]
    freq = (calibration.groupby("customer_id").size() - 1).clip(upper=7)
    per_customer = holdout.groupby("customer_id").size().reindex(freq.index, fill_value=0)
    means = per_customer.groupby(freq).mean().reindex(range(8))
    chart = run.charts["conditional_expectation"]
    expected = [None if np.isnan(v) else round(float(v), 5) for v in means]
    assert chart["series"]["actual"] == expected
    assert validation["conditional_customers"] == {
        (str(k) if k < 7 else "7+"): int(freq.eq(k).sum()) for k in range(8)
    }
    # Tracking ends with every repeat day of the cohort up to the data's end.
    repeat_days = len(in_cohort) - len(cohort)
    assert run.charts["tracking_cumulative"]["series"]["actual"][-1] == repeat_days


def test_command_refresh_prints_the_version(world, capsys):
    call_command("clv", "refresh", "--holdout-weeks", "8")
    out = capsys.readouterr().out
    assert out.startswith("CLV v1: 60 customers scored as of ")
    assert "Holdout 8.0 weeks" in out
