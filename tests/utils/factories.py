"""Small validated-schema tables and feature documents for features/train/evaluate tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trending_now.paths import Paths

GENRES = ("Drama", "Comedy", "Horror", "Animation")
# Words that make a genre learnable in synthetic documents.
GENRE_WORDS = {
    "Drama": "tears family grief loss",
    "Comedy": "laugh funny joke hilarious",
    "Horror": "scream blood ghost terror",
    "Animation": "cartoon animated pixar drawn",
    "Western": "cowboy saloon sheriff desert",
}
FILLER = ["movie", "film", "story", "watch", "scene", "actor", "plot", "time", "people", "really"]


def make_movie(movie_id: int, **overrides: Any) -> dict[str, Any]:
    """One movie row in the validated schema."""
    row: dict[str, Any] = {
        "id": movie_id, "imdb_id": f"tt{movie_id:07d}", "title": f"Movie {movie_id}",
        "original_title": f"Movie {movie_id}", "original_language": "en",
        "release_date": pd.Timestamp("2001-05-04"), "genre_ids": [18], "genres": ["Drama"],
        "production_countries": ["US"], "popularity": float(movie_id % 50), "vote_average": 7.0,
        "vote_count": 100, "overview": f"Overview of movie {movie_id}.", "tagline": None,
        "runtime": 100, "status": "Released", "budget": 0, "revenue": 0, "poster_path": None,
        "trending_rank": movie_id, "providers_flatrate": [], "providers_rent": [],
        "providers_buy": [], "run_id": "run-1", "source": "tmdb-replay",
    }  # fmt: skip
    row.update(overrides)
    return row


def make_review(movie_id: int, review_id: str, content: str, **overrides: Any) -> dict[str, Any]:
    """One review row in the validated schema."""
    row: dict[str, Any] = {
        "review_id": review_id, "movie_id": movie_id, "source": "tmdb", "author_hash": None,
        "rating": 7.0, "content": content, "created_at": pd.Timestamp("2020-01-01", tz="UTC"),
        "updated_at": pd.Timestamp("2020-01-01", tz="UTC"), "url": None, "run_id": "run-1",
    }  # fmt: skip
    row.update(overrides)
    return row


def movies_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Movie rows as a DataFrame with the validated dtypes."""
    frame = pd.DataFrame(list(rows))
    return frame.astype({"id": "int64", "popularity": "float64", "runtime": "Int64"})


def reviews_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Review rows as a DataFrame with the validated dtypes."""
    columns = list(make_review(0, "x", "").keys())
    frame = pd.DataFrame(list(rows), columns=columns)
    for column in ("created_at", "updated_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame.astype({"movie_id": "int64", "rating": "float64"})


def _genre_sets(n: int, rng: np.random.Generator) -> list[list[str]]:
    """Random 1-2 genre labels per movie; a few Westerns for the rare-genre rule."""
    sets = []
    for i in range(n):
        picked = list(rng.choice(GENRES, size=int(rng.integers(1, 3)), replace=False))
        sets.append([*picked, "Western"] if i % 25 == 0 else picked)
    return sets


def _text(genres: Sequence[str], rng: np.random.Generator) -> str:
    """A review mixing filler with the words of each genre."""
    words = list(rng.choice(FILLER, size=12))
    for genre in genres:
        words += GENRE_WORDS[genre].split()[: int(rng.integers(2, 5))]
    rng.shuffle(words)
    return " ".join(words)


def make_validated(n: int = 60, *, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`n` movies with learnable genre words in two reviews each: (movies, reviews)."""
    rng = np.random.default_rng(seed)
    movies, reviews = [], []
    languages = ["en", "en", "en", "fr", "ja"]
    for i, genres in enumerate(_genre_sets(n, rng)):
        movie_id = 100 + i
        movies.append(
            make_movie(
                movie_id,
                genres=genres,
                original_language=languages[i % len(languages)],
                release_date=pd.Timestamp(f"{1970 + (i * 7) % 50}-06-01"),
                popularity=float(rng.uniform(0.1, 100)),
            )
        )
        for k in range(2):
            reviews.append(make_review(movie_id, f"r{movie_id}-{k}", _text(genres, rng)))
    return movies_frame(movies), reviews_frame(reviews)


def make_documents(n: int = 60, *, seed: int = 0) -> pd.DataFrame:
    """Feature documents (the features stage's output) for `n` synthetic movies."""
    from trending_now.config import FeaturesParams
    from trending_now.features import make_features

    movies, reviews = make_validated(n, seed=seed)
    docs, _ = make_features(movies, reviews, FeaturesParams(min_genre_support=5), seed=seed)
    return docs


def project_paths(root: Path, *, var: Path | None = None) -> Paths:
    """The paths of a throwaway project at `root` (data/ and var/ inside it unless told)."""
    return Paths(
        root=root, data=root / "data", var=var or root / "var", params=root / "params.yaml"
    )
