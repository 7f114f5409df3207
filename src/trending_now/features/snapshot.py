"""Records in the shipped snapshot's schema -> validated-schema tables, for predict and tests.

The validate stage is the real path from source data to `data/validated/`; this loader only lets
`predict` (movies the pipeline has never seen) and tests use snapshot-shaped records directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trending_now.io import read_records

SNAPSHOT_RUN_ID = "snapshot"


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SnapshotGenre(_Record):
    """A `{id, name}` genre reference."""

    id: int
    name: str


class SnapshotAuthorDetails(_Record):
    """The part of `author_details` the pipeline keeps."""

    rating: float | None = None


class SnapshotReview(_Record):
    """One review as the snapshot ships it."""

    id: str
    source: str = "tmdb"
    content: str
    author_details: SnapshotAuthorDetails = SnapshotAuthorDetails()
    created_at: str | None = None
    updated_at: str | None = None
    url: str | None = None


class SnapshotProviders(_Record):
    """US watch providers by kind."""

    flatrate: list[str] = []
    rent: list[str] = []
    buy: list[str] = []


class SnapshotMovie(_Record):
    """One movie record; only `id`, `title` and some text (overview or reviews) are required."""

    id: int
    title: str
    overview: str | None = None
    reviews: list[SnapshotReview] | None = None
    imdb_id: str | None = None
    original_title: str | None = None
    original_language: str = "xx"
    release_date: date | None = None
    genres: list[SnapshotGenre] = []
    production_countries: list[str] = []
    popularity: float = Field(default=0.0, ge=0)
    vote_average: float = 0.0
    vote_count: int = 0
    tagline: str | None = None
    runtime: int | None = None
    status: str = "Released"
    budget: int = 0
    revenue: int = 0
    watch_providers_us: SnapshotProviders | None = None

    @property
    def has_text(self) -> bool:
        """True when the overview or at least one review has non-blank text."""
        texts = [self.overview or "", *(r.content for r in self.reviews or [])]
        return any(t.strip() for t in texts)


@dataclass(frozen=True)
class RecordProblem:
    """Why one input record cannot be used."""

    index: int
    movie_id: object
    reasons: list[str]

    def __str__(self) -> str:
        return f"record {self.index} (id={self.movie_id!r}): {'; '.join(self.reasons)}"


class UnusableRecordsError(ValueError):
    """Some input records cannot be used; `problems` lists each with its reasons."""

    def __init__(self, problems: Sequence[RecordProblem]) -> None:
        self.problems = list(problems)
        lines = "\n  ".join(str(p) for p in self.problems)
        super().__init__(f"{len(self.problems)} record(s) cannot be used:\n  {lines}")


def parse_records(records: Iterable[Any]) -> tuple[list[SnapshotMovie], list[RecordProblem]]:
    """Parsed movies and the problems of the records that cannot be used."""
    movies: list[SnapshotMovie] = []
    problems: list[RecordProblem] = []
    for index, record in enumerate(records):
        movie_id = record.get("id") if isinstance(record, dict) else None
        try:
            movie = SnapshotMovie.model_validate(record)
        except ValidationError as exc:
            problems.append(RecordProblem(index, movie_id, _reasons(exc)))
            continue
        if not movie.has_text:
            problems.append(RecordProblem(index, movie_id, ["no overview and no reviews"]))
            continue
        movies.append(movie)
    return movies, problems


def _reasons(exc: ValidationError) -> list[str]:
    """One short reason per pydantic error: `field.path: message`."""
    reasons = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "record"
        reasons.append(f"{where}: {error['msg']}")
    return reasons


def to_validated_frames(movies: Sequence[SnapshotMovie]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(movies, reviews) DataFrames with the validated schema's columns and dtypes."""
    movie_rows = [_movie_row(rank, movie) for rank, movie in enumerate(movies, start=1)]
    review_rows = [_review_row(m.id, r) for m in movies for r in m.reviews or []]
    movies_df = pd.DataFrame(movie_rows, columns=list(_MOVIE_DTYPES)).astype(_MOVIE_DTYPES)
    movies_df["release_date"] = pd.to_datetime(movies_df["release_date"])
    reviews_df = pd.DataFrame(review_rows, columns=list(_REVIEW_DTYPES)).astype(_REVIEW_DTYPES)
    for column in ("created_at", "updated_at"):
        reviews_df[column] = pd.to_datetime(reviews_df[column], utc=True, format="ISO8601")
    return movies_df, reviews_df


def load_snapshot(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A snapshot-schema file (.jsonl, .xz or .gz) as validated-schema (movies, reviews) tables."""
    movies, problems = parse_records(read_records(path))
    if problems:
        raise UnusableRecordsError(problems)
    return to_validated_frames(movies)


_MOVIE_DTYPES: dict[str, Any] = {
    "id": "int64",
    "imdb_id": "string",
    "title": "string",
    "original_title": "string",
    "original_language": "string",
    "release_date": "object",
    "genre_ids": "object",
    "genres": "object",
    "production_countries": "object",
    "popularity": "float64",
    "vote_average": "float64",
    "vote_count": "int64",
    "overview": "string",
    "tagline": "string",
    "runtime": "Int64",
    "status": "string",
    "budget": "int64",
    "revenue": "int64",
    "poster_path": "string",
    "trending_rank": "int64",
    "providers_flatrate": "object",
    "providers_rent": "object",
    "providers_buy": "object",
    "run_id": "string",
    "source": "string",
}

_REVIEW_DTYPES: dict[str, Any] = {
    "review_id": "string",
    "movie_id": "int64",
    "source": "string",
    "author_hash": "string",
    "rating": "float64",
    "content": "string",
    "created_at": "object",
    "updated_at": "object",
    "url": "string",
    "run_id": "string",
}


def _movie_row(rank: int, movie: SnapshotMovie) -> dict[str, Any]:
    """A validated-schema movie row; the snapshot's order stands in for the trending rank."""
    providers = movie.watch_providers_us or SnapshotProviders()
    return {
        "id": movie.id,
        "imdb_id": movie.imdb_id,
        "title": movie.title,
        "original_title": movie.original_title or movie.title,
        "original_language": movie.original_language,
        "release_date": movie.release_date,
        "genre_ids": [g.id for g in movie.genres],
        "genres": [g.name for g in movie.genres],
        "production_countries": movie.production_countries,
        "popularity": movie.popularity,
        "vote_average": movie.vote_average,
        "vote_count": movie.vote_count,
        "overview": movie.overview or "",
        "tagline": movie.tagline,
        "runtime": movie.runtime,
        "status": movie.status,
        "budget": movie.budget,
        "revenue": movie.revenue,
        "poster_path": None,
        "trending_rank": rank,
        "providers_flatrate": providers.flatrate,
        "providers_rent": providers.rent,
        "providers_buy": providers.buy,
        "run_id": SNAPSHOT_RUN_ID,
        "source": SNAPSHOT_RUN_ID,
    }


def _review_row(movie_id: int, review: SnapshotReview) -> dict[str, Any]:
    """A validated-schema review row (no author hash: the snapshot loader does not pseudonymise)."""
    return {
        "review_id": review.id,
        "movie_id": movie_id,
        "source": review.source,
        "author_hash": None,
        "rating": review.author_details.rating,
        "content": review.content,
        "created_at": review.created_at,
        "updated_at": review.updated_at,
        "url": review.url,
        "run_id": SNAPSHOT_RUN_ID,
    }
