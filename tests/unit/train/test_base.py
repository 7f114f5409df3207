"""The shared decision rule and per-genre threshold tuning."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from trending_now.train.base import (
    decide,
    f1_per_threshold,
    macro_f1_tuned,
    tune_thresholds,
)


def test_decide_applies_each_genres_threshold_inclusively() -> None:
    proba = np.array([[0.2, 0.9], [0.5, 0.3]])
    assert decide(proba, np.array([0.5, 0.3])).tolist() == [[False, True], [True, True]]


def test_decide_refuses_mismatched_thresholds() -> None:
    with pytest.raises(ValueError, match="does not match"):
        decide(np.zeros((2, 3)), np.array([0.5, 0.5]))


def test_f1_per_threshold_matches_sklearn() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random((50, 3)) < 0.3).astype(int)
    proba = np.clip(y * 0.4 + rng.random((50, 3)) * 0.6, 0, 1)
    grid = [0.2, 0.5, 0.8]
    scores = f1_per_threshold(y, proba, grid)
    for i, t in enumerate(grid):
        expected = f1_score(y, proba >= t, average=None, zero_division=0)
        np.testing.assert_allclose(scores[i], expected)


def test_tune_thresholds_finds_the_separating_threshold_per_genre() -> None:
    y = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [0, 0]])
    proba = np.array([[0.9, 0.1], [0.7, 0.2], [0.2, 0.35], [0.1, 0.4], [0.3, 0.1]])
    grid = [0.1, 0.3, 0.5, 0.7, 0.9]
    thresholds = tune_thresholds(y, proba, grid)
    assert thresholds.tolist() == [0.7, 0.3]  # genre 0 ties at 0.5 and 0.7: the middle (upper)
    assert (decide(proba, thresholds) == y.astype(bool)).all()
    assert macro_f1_tuned(y, proba, grid) == pytest.approx(1.0)


def test_tune_thresholds_keeps_default_for_a_genre_without_positives() -> None:
    y = np.array([[1, 0], [0, 0]])
    proba = np.array([[0.8, 0.9], [0.1, 0.2]])
    assert tune_thresholds(y, proba, [0.2, 0.4, 0.6]).tolist() == [0.4, 0.5]
