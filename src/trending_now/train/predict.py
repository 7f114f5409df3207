"""Batch genre prediction for movies the pipeline has never seen, through the training code path.

Input records follow the shipped snapshot's schema (data/README.md); documents are built with
the same cleaning and the same `features:` params the model was trained with (meta.json).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trending_now.config import FeaturesParams
from trending_now.features.snapshot import UnusableRecordsError, parse_records, to_validated_frames
from trending_now.features.text import build_documents
from trending_now.train.base import read_meta
from trending_now.train.models import load_model


@dataclass(frozen=True)
class FramePredictions:
    """One row per movie document: ids, the model's genres, probabilities and decisions."""

    ids: list[int]
    genres: list[str]
    model_name: str
    proba: np.ndarray
    decisions: np.ndarray


def predict_frames(
    model_dir: Path,
    movies: pd.DataFrame,
    reviews: pd.DataFrame,
    *,
    embedding_cache: Path | None = None,
) -> FramePredictions:
    """Validated-schema movies and reviews -> predictions, building documents exactly as the
    model's training run did (its `features:` params travel in meta.json). The one path that
    batch prediction, publishing and the skew check share. A model that reads MiniLM document
    embeddings (genre-xgb) caches them in `embedding_cache` (the project's is shared with
    training, so re-predicting known movies does not re-encode them; None: encoded afresh)."""
    features = FeaturesParams.model_validate(read_meta(model_dir).get("features") or {})
    docs = build_documents(
        movies,
        reviews,
        max_review_chars=features.max_review_chars,
        max_reviews=features.max_reviews,
    )
    model = load_model(model_dir, embedding_cache=embedding_cache)
    proba, decisions = model.predict(docs)
    return FramePredictions(
        [int(i) for i in docs["id"]], model.genres, model.name, proba, decisions
    )


def predict_movies(
    model_dir: Path, movies_records: list[dict[str, Any]], *, embedding_cache: Path | None = None
) -> list[dict[str, Any]]:
    """Per movie: id, title, decided genres and every genre's probability.

    Raises UnusableRecordsError listing each record that cannot be used (wrong types, or no
    overview and no reviews); nothing is predicted unless every record is usable.
    """
    movies, problems = parse_records(movies_records)
    if problems:
        raise UnusableRecordsError(problems)
    pred = predict_frames(model_dir, *to_validated_frames(movies), embedding_cache=embedding_cache)
    return [
        {
            "id": movie_id,
            "title": movie.title,
            "model": pred.model_name,
            "genres": [g for g, on in zip(pred.genres, row_decisions, strict=True) if on],
            "probabilities": {g: float(p) for g, p in zip(pred.genres, row_proba, strict=True)},
        }
        for movie_id, movie, row_proba, row_decisions in zip(
            pred.ids, movies, pred.proba, pred.decisions, strict=True
        )
    ]
