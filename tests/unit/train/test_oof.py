"""Out-of-fold selection helpers: folds, the weight grid, weight choice and cross-fitted F1."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import f1_score

from trending_now.train.base import macro_f1_tuned
from trending_now.train.oof import (
    blend,
    choose_weights,
    cross_fitted_macro_f1,
    macro_f1,
    simplex_weights,
    stratified_folds,
)

GRID = [round(0.05 * i, 2) for i in range(1, 20)]


def _labels(n: int = 120, genres: int = 3, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random((n, genres)) < 0.3).astype(int)


def test_folds_hold_out_every_row_once_are_seeded_and_stratified() -> None:
    y = _labels()
    folds = stratified_folds(y, folds=4, seed=3)
    held = np.concatenate([h for _, h in folds])
    assert sorted(held.tolist()) == list(range(len(y)))
    for fit, h in folds:
        assert not set(fit) & set(h) and len(fit) + len(h) == len(y)
        # every fold keeps roughly the genre shares of the whole
        np.testing.assert_allclose(y[h].mean(axis=0), y.mean(axis=0), atol=0.06)
    again = stratified_folds(y, folds=4, seed=3)
    assert all((a[1] == b[1]).all() for a, b in zip(folds, again, strict=True))
    other = stratified_folds(y, folds=4, seed=4)
    assert any((a[1] != b[1]).any() for a, b in zip(folds, other, strict=True))


def test_simplex_weights_cover_the_grid_and_sum_to_one() -> None:
    grid = simplex_weights(["a", "b", "c"], 0.25)
    assert len(grid) == math.comb(4 + 2, 2)
    assert all(sum(w.values()) == pytest.approx(1.0) for w in grid)
    assert {"a": 0.0, "b": 0.0, "c": 1.0} in grid and {"a": 0.5, "b": 0.25, "c": 0.25} in grid
    with pytest.raises(ValueError, match="does not divide"):
        simplex_weights(["a"], 0.3)


def test_blend_is_the_weighted_mean_and_skips_zero_weights() -> None:
    a, b = np.full((2, 2), 0.2), np.full((2, 2), 0.6)
    np.testing.assert_allclose(blend({"a": a, "b": b}, {"a": 0.5, "b": 0.5}), 0.4)
    np.testing.assert_array_equal(blend({"a": a}, {"a": 1.0, "missing": 0.0}), a)
    with pytest.raises(ValueError, match="positive weight"):
        blend({"a": a}, {"a": 0.0})


def test_blend_gives_the_same_bits_whatever_the_weights_order() -> None:
    # A model's weights come back from meta.json with sorted keys; the fit chose them in member
    # order. The reproducibility check compares probabilities exactly, so order must not matter.
    rng = np.random.default_rng(7)
    members = {name: rng.random((50, 4)) for name in ("boosters", "linear", "embedding")}
    fitted = {"boosters": 0.5, "linear": 0.2, "embedding": 0.3}
    reloaded = dict(sorted(fitted.items()))
    np.testing.assert_array_equal(blend(members, fitted), blend(members, reloaded))
    reverse = dict(reversed(list(fitted.items())))
    np.testing.assert_array_equal(blend(members, fitted), blend(members, reverse))


def test_choose_weights_prefers_the_informative_member() -> None:
    y = _labels(200)
    rng = np.random.default_rng(1)
    informative = np.clip(y * 0.5 + rng.random(y.shape) * 0.5, 0, 1)
    noise = rng.random(y.shape)
    weights, score = choose_weights({"noise": noise, "good": informative}, y, GRID, step=0.1)
    assert weights["good"] >= 0.8
    assert score >= macro_f1(y, noise >= 0.5)


def test_macro_f1_matches_sklearn() -> None:
    y = _labels(50)
    pred = _labels(50, seed=9).astype(bool)
    assert macro_f1(y, pred) == pytest.approx(f1_score(y, pred, average="macro", zero_division=0.0))


def test_cross_fitted_score_is_honest_about_noise() -> None:
    y = _labels(200)
    rng = np.random.default_rng(2)
    noise = rng.random(y.shape)
    tuned_in_sample = macro_f1_tuned(y, noise, GRID)
    honest = cross_fitted_macro_f1(y, noise, GRID, folds=5, seed=0)
    assert honest < tuned_in_sample
    separable = np.where(y == 1, 0.9, 0.1)
    assert cross_fitted_macro_f1(y, separable, GRID, folds=5, seed=0) == pytest.approx(1.0)
