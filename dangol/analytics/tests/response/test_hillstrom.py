"""Prove the response model on real responses: the Hillstrom e-mail test, e-mailed arms.

Response = a visit to the website within two weeks of the e-mail. 42,694 customers got the
men's or the women's e-mail (16.70% visited). Split 70/30 stratified with seed 42; the
metrics below are on the 12,809 validation rows and were computed once, then pinned with a
tolerance: a broken split, feature transform or assessment moves them out of the band.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dangol.analytics.response.services import (
    response_model_train,
    response_study_create_from_csv,
    response_study_modify,
    response_study_sample,
)


def shared_data(name: str) -> Path:
    """Return ``../shared/data/<name>`` beside the checkout (a worktree nests one deeper)."""
    for folder in Path(__file__).resolve().parents[4:]:
        if (folder / "shared" / "data" / name).is_file():
            return folder / "shared" / "data" / name
    return Path(__file__).resolve().parents[4].parent / "shared" / "data" / name


HILLSTROM = shared_data("hillstrom-email-test.csv")
FEATURES = [
    {"name": "recency", "transform": "none"},
    {"name": "history", "transform": "log"},
    {"name": "mens", "transform": "none"},
    {"name": "womens", "transform": "none"},
    {"name": "zip_code", "transform": "onehot"},
    {"name": "newbie", "transform": "none"},
    {"name": "channel", "transform": "onehot"},
    {"name": "segment", "transform": "onehot"},
]
E_MAILED = {"segment": ["Mens E-Mail", "Womens E-Mail"]}

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(tmp_path, settings):
    if not HILLSTROM.is_file():
        pytest.fail(f"missing test data {HILLSTROM}")
    settings.DATA_DIR = tmp_path
    study = response_study_create_from_csv(
        name="Hillstrom e-mail test", file=HILLSTROM, response_column="visit"
    )
    summary = response_study_sample(study=study, row_filter=E_MAILED, validation_share=0.3)
    assert summary["all"] == {
        "rows": 42_694,
        "responders": 7_132,
        "response_rate": pytest.approx(0.16705, abs=1e-5),
    }
    assert summary["valid"]["rows"] == 12_809
    assert summary["train"]["response_rate"] == pytest.approx(
        summary["valid"]["response_rate"], abs=1e-4
    )
    response_study_modify(study=study, features=FEATURES)
    return study


@pytest.mark.parametrize(
    ("algorithm", "auc", "top_decile_lift"),
    [("logistic", 0.6237, 1.673), ("gbm", 0.6154, 1.701)],
)
def test_hillstrom_visit_auc_and_top_decile_lift(study, algorithm, auc, top_decile_lift):
    run = response_model_train(study=study, algorithm=algorithm)
    assert run.metrics["valid_rows"] == 12_809
    assert run.metrics["auc"] == pytest.approx(auc, abs=0.005)
    assert run.metrics["top_decile_lift"] == pytest.approx(top_decile_lift, abs=0.03)
    # The gain curve ends at all responders; the top decile holds lift x 10% of them.
    gain = next(iter(run.charts["gain"]["series"].values()))
    assert gain[-1] == 1.0
    assert gain[1] == pytest.approx(run.metrics["top_decile_lift"] * 0.1, abs=0.002)
