"""The linear scorers genre-xgb stacks and blends: TF-IDF and MiniLM-embedding logistic regressions.

Both are one-vs-rest logistic regressions with balanced class weights. Their out-of-fold scores
(each row scored by a model that did not see it) are extra booster inputs (TF-IDF) and their
out-of-fold predictions as blend members (both).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

Scorer = Any  # a fitted scikit-learn estimator with predict_proba -> (n, n_genres)


def make_linear(c: float, *, seed: int) -> OneVsRestClassifier:
    """The one-vs-rest logistic regression on TF-IDF whose scores are stacked and blended."""
    return OneVsRestClassifier(
        LogisticRegression(C=c, class_weight="balanced", solver="liblinear", random_state=seed)
    )


def make_embedding_linear(c: float, *, seed: int) -> Pipeline:
    """Standardised MiniLM document vectors -> one-vs-rest logistic regression (lbfgs)."""
    return make_pipeline(
        StandardScaler(),
        OneVsRestClassifier(
            LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=seed)
        ),
    )


def scores(scorer: Scorer, x: Any) -> np.ndarray:
    """(n, n_genres) probabilities of a fitted scorer, float64 in [0, 1]."""
    proba = np.asarray(scorer.predict_proba(x), dtype=float)
    clipped: np.ndarray = np.clip(proba, 0.0, 1.0)
    return clipped


def out_of_fold_scores(
    make: Callable[[], Scorer],
    x: Any,
    y: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
) -> np.ndarray:
    """Scores for each row from a scorer fitted on the other folds."""
    out = np.zeros(np.asarray(y).shape, dtype=float)
    for fit_rows, held_rows in folds:
        out[held_rows] = scores(make().fit(x[fit_rows], y[fit_rows]), x[held_rows])
    return out
