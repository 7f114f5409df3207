"""What the monitor compares: one row per movie with the monitored columns, and the genre mix.

Both sides of every comparison (the training data and the latest validated data) go through these
same functions, with the review text cleaned exactly as the features stage cleans it.
"""

from __future__ import annotations

from typing import get_args

import numpy as np
import pandas as pd

from trending_now.config import FeaturesParams, MonitoredColumn
from trending_now.features.text import build_documents, clean_text

COLUMNS: tuple[str, ...] = get_args(MonitoredColumn)
CATEGORICAL = ("original_language",)
TEXT = ("review_text",)
NUMERICAL = tuple(c for c in COLUMNS if c not in CATEGORICAL + TEXT)
NO_GENRE = "(none)"  # a movie the model gives no genre still counts in the genre mix


def movie_profile(
    movies: pd.DataFrame, reviews: pd.DataFrame, features: FeaturesParams
) -> pd.DataFrame:
    """`id` plus every monitored column, one row per movie of `movies` (validated schema).

    review_text is the movie's reviews only (no title or overview), cleaned, cut and ordered as
    in training documents; review_length is the median cleaned length of its reviews; a movie
    without reviews has count 0, empty text and missing rating and length.
    """
    ids = movies["id"].astype("int64").to_numpy()
    per_movie = _review_stats(reviews).reindex(ids)
    texts = build_documents(
        movies.assign(title="", overview=""),
        reviews,
        max_review_chars=features.max_review_chars,
        max_reviews=features.max_reviews,
    ).set_index("id")["text"]
    released = pd.to_datetime(movies["release_date"], errors="coerce")
    return pd.DataFrame(
        {
            "id": ids,
            "original_language": movies["original_language"].astype(str).to_numpy(),
            "release_year": released.dt.year.astype("float64").to_numpy(),
            "popularity": movies["popularity"].astype("float64").to_numpy(),
            "vote_average": movies["vote_average"].astype("float64").to_numpy(),
            "review_count": per_movie["count"].fillna(0).to_numpy(dtype="float64"),
            "review_rating": per_movie["rating"].to_numpy(dtype="float64"),
            "review_length": per_movie["length"].to_numpy(dtype="float64"),
            "review_text": texts.reindex(ids).fillna("").astype(str).to_numpy(),
        }
    )


def _review_stats(reviews: pd.DataFrame) -> pd.DataFrame:
    """Per movie id: review count, mean author rating, median cleaned review length."""
    if reviews.empty:
        return pd.DataFrame(columns=["count", "rating", "length"], dtype="float64")
    lengths = [len(clean_text(c if isinstance(c, str) else "")) for c in reviews["content"]]
    frame = pd.DataFrame(
        {
            "movie_id": reviews["movie_id"].astype("int64").to_numpy(),
            "rating": pd.to_numeric(reviews["rating"], errors="coerce").to_numpy(),
            "length": np.asarray(lengths, dtype="float64"),
        }
    )
    grouped = frame.groupby("movie_id")
    return pd.DataFrame(
        {
            "count": grouped.size().astype("float64"),
            "rating": grouped["rating"].mean(),
            "length": grouped["length"].median(),
        }
    )


def genre_mix(ids: list[int], genres: list[str], decisions: np.ndarray) -> pd.DataFrame:
    """One row per (movie, predicted genre): the model's genre mix as a categorical column."""
    rows = []
    for movie_id, row in zip(ids, np.asarray(decisions, dtype=bool), strict=True):
        chosen = [g for g, on in zip(genres, row, strict=True) if on] or [NO_GENRE]
        rows += [(movie_id, genre) for genre in chosen]
    return pd.DataFrame(rows, columns=["id", "predicted_genre"])


def shares(mix: pd.DataFrame) -> dict[str, float]:
    """Share of each predicted genre in a genre mix, most frequent first."""
    counts = mix["predicted_genre"].value_counts(normalize=True)
    return {str(genre): round(float(share), 4) for genre, share in counts.items()}
