"""Serving sanity evidence: the saved model, loaded and run exactly as publish runs it.

`train.predict.predict_frames` is the one path batch prediction, publishing and the skew check
share; the gate times it on a sample of validated movies (model load included, as a cold
publish or a fresh worker would pay it) and counts probabilities that are not finite or lie
outside [0, 1].
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trending_now.train.predict import predict_frames


def sample_movies(validated_dir: Path, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first `n` validated movies by id (deterministic) and their reviews."""
    movies = pd.read_parquet(validated_dir / "movies.parquet")
    movies = movies.sort_values("id", kind="mergesort").head(n).reset_index(drop=True)
    reviews = pd.read_parquet(validated_dir / "reviews.parquet")
    reviews = reviews[reviews["movie_id"].isin(set(movies["id"]))].reset_index(drop=True)
    return movies, reviews


def serving_sanity(model_dir: Path, validated_dir: Path, *, n_movies: int) -> dict[str, Any]:
    """Evidence for the serving check: counts of bad probabilities and time per movie."""
    try:
        movies, reviews = sample_movies(validated_dir, n_movies)
        started = time.perf_counter()
        pred = predict_frames(model_dir, movies, reviews)
        seconds = time.perf_counter() - started
    except Exception as exc:  # a model that cannot serve is evidence
        return {"error": f"{type(exc).__name__}: {exc}"}
    proba = np.asarray(pred.proba, dtype=float)
    finite = np.isfinite(proba)
    n = max(len(pred.ids), 1)
    return {
        "movies": len(pred.ids),
        "genres": len(pred.genres),
        "non_finite": int((~finite).sum()),
        "out_of_range": int(((proba < 0) | (proba > 1))[finite].sum()),
        "seconds": round(seconds, 4),
        "ms_per_movie": round(1000 * seconds / n, 3),
        "path": "trending_now.train.predict.predict_frames (model load included)",
    }
