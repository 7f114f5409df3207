"""Out-of-fold selection on train+valid: folds, blend weights and per-genre thresholds.

With a few hundred movies a single 94-movie validation split is a noisy judge: a rare genre has
two or three positives there, and thresholds tuned on them do not carry over. Here every movie
of train+valid is scored once by a model that did not see it (multi-label stratified K-fold,
seeded), and blend weights and thresholds are chosen on those out-of-fold probabilities. The
score reported for the choice is cross-fitted: each fold is decided with thresholds tuned on the
other folds, so it estimates how the tuned thresholds do on movies they were not tuned on.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

from trending_now.train.base import f1_per_threshold, tune_thresholds


def stratified_folds(
    y: np.ndarray, *, folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit rows, held-out rows) per fold, multi-label stratified and seeded."""
    y = np.asarray(y)
    splitter = MultilabelStratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [(fit, held) for fit, held in splitter.split(np.zeros((len(y), 1)), y)]


def macro_f1(y: np.ndarray, decisions: np.ndarray) -> float:
    """Macro-F1 over the genres (0 for a genre without positives or predictions)."""
    y_true = np.asarray(y).astype(bool)
    pred = np.asarray(decisions).astype(bool)
    tp = (pred & y_true).sum(axis=0)
    denominator = 2 * tp + (pred & ~y_true).sum(axis=0) + (~pred & y_true).sum(axis=0)
    scores = np.divide(2 * tp, denominator, out=np.zeros(len(tp)), where=denominator > 0)
    return float(scores.mean())


def cross_fitted_macro_f1(
    y: np.ndarray, proba: np.ndarray, grid: Sequence[float], *, folds: int, seed: int
) -> float:
    """Macro-F1 when each fold is decided with thresholds tuned on the other folds only."""
    y = np.asarray(y)
    decisions = np.zeros(y.shape, dtype=bool)
    for fit, held in stratified_folds(y, folds=folds, seed=seed):
        thresholds = tune_thresholds(y[fit], proba[fit], grid)
        decisions[held] = proba[held] >= thresholds[np.newaxis, :]
    return macro_f1(y, decisions)


def simplex_weights(members: Sequence[str], step: float) -> list[dict[str, float]]:
    """Every weighting of `members` on a grid of `step` that sums to 1 (in a fixed order)."""
    units = round(1.0 / step)
    if not np.isclose(units * step, 1.0):
        raise ValueError(f"blend step {step} does not divide 1")
    grid = []
    for combo in itertools.product(range(units + 1), repeat=len(members)):
        if sum(combo) == units:
            grid.append({m: c / units for m, c in zip(members, combo, strict=True)})
    return grid


def blend(probas: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """Weighted mean of the members' probabilities (members with weight 0 are skipped).

    Members are summed in name order, whatever the mapping's order: float addition is not
    associative, and weights read back from meta.json (sorted keys) must give the same bits
    as the weights the fit chose.
    """
    used = sorted((name, w) for name, w in weights.items() if w > 0)
    if not used:
        raise ValueError("a blend needs at least one member with a positive weight")
    mixed = np.zeros(np.asarray(probas[used[0][0]]).shape)
    for name, weight in used:
        mixed = mixed + weight * np.asarray(probas[name], dtype=float)
    clipped: np.ndarray = np.clip(mixed, 0.0, 1.0)
    return clipped


def choose_weights(
    probas: Mapping[str, np.ndarray],
    y: np.ndarray,
    grid: Sequence[float],
    *,
    step: float,
) -> tuple[dict[str, float], float]:
    """The blend weights with the best out-of-fold macro-F1 at tuned thresholds, and that score.

    Ties go to the first weighting in grid order; members are tried in the given order, so the
    grid starts with all the weight on the last member.
    """
    best: tuple[float, dict[str, float]] | None = None
    for weights in simplex_weights(list(probas), step):
        score = float(f1_per_threshold(y, blend(probas, weights), grid).max(axis=0).mean())
        if best is None or score > best[0] + 1e-12:
            best = (score, weights)
    assert best is not None
    return best[1], best[0]
