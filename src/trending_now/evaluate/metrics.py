"""F1 reports (micro, macro, weighted, samples, per genre) overall and per slice."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel
from sklearn.metrics import f1_score, precision_recall_fscore_support

from trending_now.config import EvaluateParams

ENGLISH = "en"


class GenreScore(BaseModel):
    """Precision, recall, F1 and support (true movies) of one genre."""

    precision: float
    recall: float
    f1: float
    support: int


class F1Report(BaseModel):
    """Scores on one set of movies; macro-F1 averages the genres with support in that set."""

    n_movies: int
    micro_f1: float
    macro_f1: float
    weighted_f1: float
    samples_f1: float
    per_genre: dict[str, GenreScore]


def f1_report(y_true: np.ndarray, y_pred: np.ndarray, genres: Sequence[str]) -> F1Report:
    """The F1 family for multi-hot truth and decisions (undefined scores count as 0)."""
    y_true = np.asarray(y_true).astype(int)
    y_pred = np.asarray(y_pred).astype(int)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, average=None, zero_division=0.0
    )
    present = [j for j in range(len(genres)) if support[j] > 0]
    per_genre = {
        g: GenreScore(
            precision=float(precision[j]),
            recall=float(recall[j]),
            f1=float(f1[j]),
            support=int(support[j]),
        )
        for j, g in enumerate(genres)
    }
    return F1Report(
        n_movies=len(y_true),
        micro_f1=_f1(y_true, y_pred, "micro"),
        macro_f1=float(np.mean(f1[present])) if present else 0.0,
        weighted_f1=_f1(y_true, y_pred, "weighted"),
        samples_f1=_f1(y_true, y_pred, "samples"),
        per_genre=per_genre,
    )


def _f1(y_true: np.ndarray, y_pred: np.ndarray, average: str) -> float:
    """One averaged F1 score."""
    return float(f1_score(y_true, y_pred, average=average, zero_division=0.0))


def slice_masks(docs: pd.DataFrame, params: EvaluateParams) -> dict[str, np.ndarray]:
    """Row masks per slice: English / non-English, large languages, decade, popularity tier."""
    language = docs["original_language"].astype(str).to_numpy()
    masks = {"language=en": language == ENGLISH, "language=non-en": language != ENGLISH}
    counts = pd.Series(language).value_counts()
    for code, n in counts.items():
        if code != ENGLISH and n >= params.min_language_movies:
            masks[f"language={code}"] = language == code
    for column in ("decade", "popularity_tier"):
        values = docs[column].to_numpy()
        for value in sorted(pd.unique(docs[column].dropna())):
            masks[f"{column}={value}"] = values == value
    return {k: m for k, m in masks.items() if m.sum() >= params.min_slice_movies}


def slice_reports(
    docs: pd.DataFrame,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    genres: Sequence[str],
    params: EvaluateParams,
) -> dict[str, F1Report]:
    """An F1 report per slice of `docs`."""
    return {
        name: f1_report(y_true[mask], y_pred[mask], genres)
        for name, mask in slice_masks(docs, params).items()
    }
