"""Each gate check on hand-made evidence: the threshold is where the verdict flips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from trending_now.config import GateParams
from trending_now.governance import checks

GATE = GateParams(min_slice_movies=10, min_slice_f1=0.5, max_slice_gap=0.2)


def _report(
    macro: float,
    n: int = 40,
    per_genre: dict[str, tuple[float, int]] | None = None,
    micro: float | None = None,
) -> dict[str, Any]:
    genres = per_genre or {"Drama": (macro, 20), "Comedy": (macro, 12)}
    return {
        "n_movies": n,
        "macro_f1": macro,
        "micro_f1": macro if micro is None else micro,
        "per_genre": {
            g: {"f1": f, "support": s, "precision": f, "recall": f} for g, (f, s) in genres.items()
        },
    }


def _metrics(
    macro: float, slices: dict[str, tuple[int, float]] | None = None, **kwargs: Any
) -> dict[str, Any]:
    return {
        "overall": _report(macro, **kwargs),
        "slices": {name: _report(v, n=n) for name, (n, v) in (slices or {}).items()},
    }


def test_data_contract_uses_the_stricter_limit() -> None:
    report = {"run_id": "r", "quarantine_rate": 0.12, "movies": {}, "reviews": {}}
    assert not checks.check_data_contract(report, GATE, contract_limit=0.2).passed
    assert checks.check_data_contract(report, GATE, contract_limit=0.2).threshold == 0.1
    assert checks.check_data_contract(
        report, GATE.model_copy(update={"max_quarantine_rate": 0.15}), contract_limit=0.2
    ).passed
    assert not checks.check_data_contract(None, GATE, contract_limit=0.2).passed


def test_quality_judges_only_supported_genres() -> None:
    weak_rare = _metrics(0.7, per_genre={"Drama": (0.8, 20), "War": (0.0, 2)})
    result = checks.check_quality(weak_rare, GATE)
    assert result.passed and result.evidence["genres_too_rare_to_judge"] == {"War": 2}
    weak_common = _metrics(0.7, per_genre={"Drama": (0.8, 20), "War": (0.1, 6)})
    result = checks.check_quality(weak_common, GATE)
    assert not result.passed and result.evidence["weak_genres"] == {"War": 0.1}
    assert not checks.check_quality(_metrics(0.5), GATE).passed  # macro-F1 below 0.55


@pytest.mark.parametrize(("candidate", "passed"), [(0.67, True), (0.66, True), (0.659, False)])
def test_baseline_margin(candidate: float, passed: bool) -> None:
    gate = GATE.model_copy(update={"baseline_margin": 0.01})
    result = checks.check_baseline(_metrics(candidate), _metrics(0.65), gate)
    assert result.passed is passed
    assert result.value == pytest.approx(candidate - 0.65, abs=1e-4)


def test_baseline_on_another_test_split_or_missing_fails() -> None:
    assert not checks.check_baseline(_metrics(0.9), _metrics(0.5, n=41), GATE).passed
    assert not checks.check_baseline(_metrics(0.9), None, GATE).passed


def test_champion_tolerance() -> None:
    champion = {"version": "v1.0.0", "macro_f1": 0.70, "how": "re-scored on this test split"}
    assert checks.check_champion(0.69, champion, GATE).passed
    assert not checks.check_champion(0.67, champion, GATE).passed
    assert checks.check_champion(0.1, None, GATE).passed  # nothing in production yet
    unscorable = {"version": "v1.0.0", "macro_f1": None, "how": "unavailable (no metrics)"}
    assert not checks.check_champion(0.9, unscorable, GATE).passed


def test_slices_minimum_and_gap_within_each_family() -> None:
    fair = {"language=en": (30, 0.7), "language=non-en": (12, 0.6), "decade=1990": (5, 0.1)}
    result = checks.check_slices(_metrics(0.7, slices=fair), GATE)
    assert result.passed, result.reason
    assert result.evidence["too_small"] == {"decade=1990": 5}  # reported, not judged
    gap = {"language=en": (30, 0.9), "language=non-en": (12, 0.6)}
    result = checks.check_slices(_metrics(0.8, slices=gap), GATE)
    assert not result.passed and "language gap 0.3" in result.reason
    low = {"popularity_tier=1": (15, 0.45), "popularity_tier=2": (15, 0.5)}
    result = checks.check_slices(_metrics(0.8, slices=low), GATE)
    assert not result.passed and result.evidence["worst_slice"] == "popularity_tier=1"


def test_slices_use_the_configured_metric() -> None:
    metrics = _metrics(0.8, slices={"language=en": (30, 0.8), "language=fr": (12, 0.8)})
    metrics["slices"]["language=fr"]["macro_f1"] = 0.3  # noisy macro-F1 on a small slice
    assert checks.check_slices(metrics, GATE).passed
    assert not checks.check_slices(
        metrics, GATE.model_copy(update={"slice_metric": "macro_f1"})
    ).passed


def test_reproducibility_needs_equal_predictions_and_the_versions_config() -> None:
    base = {"strategy": "refit", "compared": "x", "max_abs_diff": 0.0, "decisions_equal": True}
    assert checks.check_reproducibility(base, 0.0).passed
    assert not checks.check_reproducibility({**base, "max_abs_diff": 1e-9}, 0.0).passed
    assert checks.check_reproducibility({**base, "max_abs_diff": 1e-9}, 1e-6).passed
    assert not checks.check_reproducibility({**base, "max_abs_diff": float("inf")}, 1.0).passed
    assert not checks.check_reproducibility(
        {**base, "config_mismatches": ["seed 1 != 2"]}, 0
    ).passed
    assert not checks.check_reproducibility({"error": "boom"}, 0.0).passed


def test_serving_flags_nan_out_of_range_and_slowness() -> None:
    good = {"movies": 50, "non_finite": 0, "out_of_range": 0, "ms_per_movie": 20.0}
    assert checks.check_serving(good, GATE).passed
    assert not checks.check_serving({**good, "non_finite": 3}, GATE).passed
    assert not checks.check_serving({**good, "out_of_range": 1}, GATE).passed
    assert not checks.check_serving({**good, "ms_per_movie": 251.0}, GATE).passed
    assert not checks.check_serving({"error": "cannot load"}, GATE).passed


def test_card_sections_must_be_non_empty() -> None:
    card = dict.fromkeys(GATE.require_card_sections, "text")
    assert checks.check_card(card, GATE.require_card_sections).passed
    for empty in ("", "   ", [], {}, {"a": [], "b": None}, None):
        result = checks.check_card({**card, "limitations": empty}, GATE.require_card_sections)
        assert not result.passed and result.evidence["missing"] == ["limitations"]
    assert checks.check_card({**card, "metrics": {"macro_f1": 0.0}}, ["metrics"]).passed


def test_data_age_limit() -> None:
    now = datetime(2026, 11, 26, tzinfo=UTC)
    assert checks.check_data_age(now - timedelta(days=29), "audit", GATE, now=now).passed
    assert not checks.check_data_age(now - timedelta(days=31), "audit", GATE, now=now).passed
    assert not checks.check_data_age(None, "unknown", GATE, now=now).passed
