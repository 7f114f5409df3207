"""Checks beside drift: training/serving skew, quality on newly labelled movies, finite outputs."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trending_now.config import FeaturesParams
from trending_now.evaluate.metrics import f1_report
from trending_now.features.labels import label_matrix
from trending_now.features.text import build_documents
from trending_now.train.base import read_meta
from trending_now.train.models import load_model
from trending_now.train.predict import FramePredictions


@dataclass(frozen=True)
class SkewResult:
    """Training documents vs the same movies re-featurised through the serving path."""

    movies: int
    documents_equal: int
    max_abs_diff: float  # largest |probability difference| over movies and genres
    tolerance: float
    mismatched_ids: list[int]

    @property
    def passed(self) -> bool:
        return self.documents_equal == self.movies and self.max_abs_diff <= self.tolerance

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


def serving_features(model_dir: Path) -> FeaturesParams:
    """The `features:` params the model was trained with (what predict builds documents with)."""
    return FeaturesParams.model_validate(read_meta(model_dir).get("features") or {})


def check_skew(
    model_dir: Path,
    training_docs: pd.DataFrame,
    served: FramePredictions,
    movies: pd.DataFrame,
    reviews: pd.DataFrame,
    *,
    tolerance: float,
) -> SkewResult:
    """Compare the training documents (features stage) of the movies in `served` with their
    documents rebuilt from `movies`/`reviews` as predict builds them, and the probabilities the
    serving path gave (`served`, from predict_frames) with the model's on the training text."""
    features = serving_features(model_dir)
    rebuilt = build_documents(
        movies,
        reviews,
        max_review_chars=features.max_review_chars,
        max_reviews=features.max_reviews,
    ).set_index("id")["text"]
    trained = training_docs.set_index("id").loc[served.ids]
    same = rebuilt.reindex(served.ids).fillna("").to_numpy() == trained["text"].to_numpy()
    proba, _ = load_model(model_dir).predict(trained.reset_index())
    diff = np.abs(np.asarray(proba, dtype=float) - np.asarray(served.proba, dtype=float))
    per_movie = np.nan_to_num(diff, nan=np.inf).max(axis=1) if diff.size else np.zeros(0)
    bad = [
        i for i, ok, d in zip(served.ids, same, per_movie, strict=True) if not ok or d > tolerance
    ]
    return SkewResult(
        movies=len(served.ids),
        documents_equal=int(same.sum()),
        max_abs_diff=float(per_movie.max()) if per_movie.size else 0.0,
        tolerance=tolerance,
        mismatched_ids=bad[:20],
    )


@dataclass(frozen=True)
class QualityResult:
    """Macro-F1 of the served genres on movies the model never fitted or tuned on."""

    movies: int
    macro_f1: float | None
    baseline_macro_f1: float | None  # the version's test-split macro-F1
    max_drop: float
    min_movies: int

    @property
    def drop(self) -> float | None:
        if self.macro_f1 is None or self.baseline_macro_f1 is None:
            return None
        return self.baseline_macro_f1 - self.macro_f1

    @property
    def judged(self) -> bool:
        return self.movies >= self.min_movies and self.drop is not None

    @property
    def passed(self) -> bool | None:
        """None when there are too few new movies (or no baseline) to judge."""
        drop = self.drop
        return None if not self.judged or drop is None else drop <= self.max_drop

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "drop": self.drop, "passed": self.passed}


def check_quality(
    served: FramePredictions,
    movies: pd.DataFrame,
    seen_ids: set[int],
    *,
    baseline_macro_f1: float | None,
    max_drop: float,
    min_movies: int,
) -> QualityResult:
    """Score the served genres of movies outside `seen_ids` against their TMDb genres."""
    truth = movies.set_index("id")["genres"]
    keep = [k for k, movie_id in enumerate(served.ids) if movie_id not in seen_ids]
    macro = None
    if keep:
        genre_lists = [list(truth.loc[served.ids[k]]) for k in keep]
        y_true = label_matrix(genre_lists, served.genres)
        report = f1_report(y_true, np.asarray(served.decisions)[keep], served.genres)
        macro = float(report.macro_f1)
    return QualityResult(len(keep), macro, baseline_macro_f1, max_drop, min_movies)


def check_stability(*predictions: FramePredictions) -> dict[str, Any]:
    """No NaN or infinite probabilities, and every probability within [0, 1]."""
    values = [np.asarray(p.proba, dtype=float).ravel() for p in predictions]
    flat = np.concatenate(values) if values else np.zeros(0)
    finite = np.isfinite(flat)
    in_range = (flat[finite] >= 0) & (flat[finite] <= 1)
    return {
        "values": int(flat.size),
        "non_finite": int((~finite).sum()),
        "out_of_range": int((~in_range).sum()),
        "passed": bool(finite.all() and in_range.all()),
    }
