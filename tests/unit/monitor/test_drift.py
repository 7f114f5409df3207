"""The drift tests: each returns a p-value, calibrated under no shift and small under a shift."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_args

import numpy as np
import pandas as pd
import pytest

from trending_now.config import DriftMethod, DriftTestParams, MonitorParams
from trending_now.monitor.drift import (
    PREDICTION_COLUMN,
    data_drift,
    domain_classifier_p_value,
    prediction_drift,
    register_tests,
    tvd_permutation_p_value,
)
from trending_now.monitor.profile import COLUMNS

NOW = datetime(2026, 11, 26, tzinfo=UTC)
SPACE = [
    "rocket",
    "orbit",
    "planet",
    "alien",
    "ship",
    "crew",
    "launch",
    "galaxy",
    "star",
    "station",
]
ROMANCE = [
    "love",
    "kiss",
    "wedding",
    "heart",
    "date",
    "letter",
    "couple",
    "flowers",
    "dance",
    "promise",
]


def _texts(words: list[str], n: int, seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series([" ".join(rng.choice(words, 30)) for _ in range(n)])


def test_domain_classifier_tells_other_topics_apart_and_not_the_same_one() -> None:
    reference = _texts(SPACE + ROMANCE, 120, seed=1)
    assert domain_classifier_p_value(reference, _texts(SPACE + ROMANCE, 60, seed=2)) > 0.01
    assert domain_classifier_p_value(reference, _texts(SPACE, 60, seed=3)) < 1e-4


def test_domain_classifier_without_enough_texts_finds_no_evidence() -> None:
    assert domain_classifier_p_value(pd.Series(["a b"] * 3), pd.Series(["c d"] * 3)) == 1.0


def test_tvd_permutation_flags_a_new_mix_and_handles_unseen_categories() -> None:
    reference = pd.Series(["en"] * 80 + ["fr"] * 15 + ["ja"] * 5)
    same = pd.Series(["en"] * 40 + ["fr"] * 8 + ["ja"] * 2)
    assert tvd_permutation_p_value(reference, same) > 0.5
    shifted = pd.Series(["en"] * 20 + ["ko"] * 20 + ["ja"] * 10)  # "ko" never in the reference
    assert tvd_permutation_p_value(reference, shifted) < 0.001


def test_tvd_permutation_false_alarms_stay_near_the_level() -> None:
    rng = np.random.default_rng(0)
    draw = lambda n: pd.Series(rng.choice(["a", "b", "c", "d"], n, p=[0.6, 0.2, 0.15, 0.05]))  # noqa: E731
    p = [tvd_permutation_p_value(draw(200), draw(60), permutations=400, seed=i) for i in range(200)]
    assert 0.01 <= float(np.mean(np.array(p) < 0.05)) <= 0.10


def test_every_configurable_method_is_known_to_evidently() -> None:
    from evidently.legacy.calculations.stattests.registry import _registered_stat_tests

    register_tests()
    assert set(get_args(DriftMethod)) <= set(_registered_stat_tests)


def _profile(n: int, seed: int, popularity_shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "original_language": rng.choice(["en", "fr", "ja"], n, p=[0.8, 0.15, 0.05]),
            "release_year": rng.integers(1960, 2025, n).astype(float),
            "popularity": rng.exponential(10, n) + popularity_shift,
            "vote_average": rng.normal(6.5, 1, n),
            "review_count": rng.integers(3, 30, n).astype(float),
            "review_rating": rng.normal(7, 1.5, n),
            "review_length": rng.normal(1000, 200, n),
            "review_text": list(_texts(SPACE + ROMANCE, n, seed)),
        }
    )


def test_data_drift_names_exactly_the_shifted_column() -> None:
    result = data_drift(_profile(200, 1), _profile(80, 2, popularity_shift=25), MonitorParams(),
                        when=NOW)  # fmt: skip
    assert [c.column for c in result.columns] == list(COLUMNS)
    assert result.drifted_columns == ["popularity"]
    assert result.drift_share == pytest.approx(1 / len(COLUMNS))
    popularity = next(c for c in result.columns if c.column == "popularity")
    assert popularity.p_value < popularity.threshold and popularity.method == "ks"
    assert result.snapshot.dict()["metrics"][0]["value"]["count"] == 1  # Evidently agrees


def test_column_thresholds_come_from_params() -> None:
    lenient = MonitorParams(columns={"popularity": DriftTestParams(method="ks", threshold=0.999)})
    result = data_drift(_profile(200, 1), _profile(80, 2), lenient, when=NOW)
    assert [c.column for c in result.columns] == ["popularity"]
    assert result.columns[0].threshold == 0.999 and result.drifted_columns == ["popularity"]


def test_prediction_drift_flags_a_changed_genre_mix() -> None:
    def mix(genres: list[str]) -> pd.DataFrame:
        return pd.DataFrame({"id": range(len(genres)), PREDICTION_COLUMN: genres})

    reference = mix(["Drama"] * 100 + ["Comedy"] * 80 + ["Horror"] * 20)
    same = prediction_drift(reference, mix(["Drama"] * 50 + ["Comedy"] * 40 + ["Horror"] * 10),
                            MonitorParams(), when=NOW)  # fmt: skip
    moved = prediction_drift(reference, mix(["Drama"] * 20 + ["Comedy"] * 20 + ["Horror"] * 60),
                             MonitorParams(), when=NOW)  # fmt: skip
    assert same.drifted_columns == [] and moved.drifted_columns == [PREDICTION_COLUMN]
