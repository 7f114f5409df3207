"""The retrain decision: drift past the thresholds, a stale model or a quality drop ask for one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trending_now.config import MonitorParams
from trending_now.monitor.checks import QualityResult
from trending_now.monitor.decision import decide, model_age_days
from trending_now.monitor.drift import ColumnDrift, DriftResult

PARAMS = MonitorParams(drift_share=0.25, staleness_days=30, max_quality_drop=0.1)


def _result(drifted: int, total: int = 8) -> DriftResult:
    columns = [ColumnDrift(f"c{i}", "ks", 0.01, 0.001 if i < drifted else 0.5, i < drifted)
               for i in range(total)]  # fmt: skip
    return DriftResult(snapshot=None, columns=columns)  # type: ignore[arg-type]


def _quality(macro: float, movies: int = 40) -> QualityResult:
    return QualityResult(movies, macro, 0.66, max_drop=0.1, min_movies=20)


@pytest.mark.parametrize(("drifted", "expected"), [(0, False), (1, False), (2, True), (3, True)])
def test_dataset_drift_from_the_share_of_drifted_columns(drifted: int, expected: bool) -> None:
    decision = decide(PARAMS, data=_result(drifted), prediction=None, quality=None, age_days=1)
    assert decision.dataset_drift is expected and decision.retrain is expected
    if expected:
        assert decision.reasons[0].startswith(f"data drift: {drifted} of 8 columns drifted")
        assert "c0 (p=0.001 < 0.01)" in decision.reasons[0]


def test_prediction_drift_alone_asks_for_a_retrain() -> None:
    decision = decide(PARAMS, data=_result(0), prediction=_result(1, total=1), quality=None,
                      age_days=1)  # fmt: skip
    assert decision.prediction_drift and decision.reasons == [
        "prediction drift: the predicted genre mix changed (p=0.001 < 0.01)"
    ]


def test_a_stale_model_asks_for_a_retrain_even_without_drift() -> None:
    fresh = decide(PARAMS, data=_result(0), prediction=None, quality=None, age_days=29.9)
    stale = decide(PARAMS, data=_result(0), prediction=None, quality=None, age_days=30.5)
    assert not fresh.retrain and not fresh.stale_model
    assert stale.stale_model and stale.reasons == ["stale model: 30.5 days old (limit 30 days)"]


def test_quality_drop_past_the_limit_asks_for_a_retrain() -> None:
    ok = decide(PARAMS, data=_result(0), prediction=None, quality=_quality(0.60), age_days=1)
    bad = decide(PARAMS, data=_result(0), prediction=None, quality=_quality(0.50), age_days=1)
    assert not ok.retrain
    assert bad.retrain and bad.reasons[0].startswith("quality drop: macro-F1 0.500 on 40")


def test_too_few_new_movies_are_not_judged() -> None:
    few = _quality(0.1, movies=5)
    assert few.passed is None
    assert not decide(PARAMS, data=_result(0), prediction=None, quality=few, age_days=1).retrain


def test_skew_and_instability_are_alerts_not_retrains() -> None:
    decision = decide(PARAMS, data=_result(0), prediction=None, quality=None, age_days=1,
                      skew_passed=False, stability_passed=False)  # fmt: skip
    assert not decision.retrain and len(decision.alerts) == 2


def test_model_age_in_days() -> None:
    now = datetime(2026, 11, 26, tzinfo=UTC)
    assert model_age_days(now - timedelta(days=3, hours=12), now) == pytest.approx(3.5)
    assert model_age_days(None, now) is None
