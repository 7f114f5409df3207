"""Factories for source responses and raw run folders (ingest / validate tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trending_now.ingest.raw import RawRun, write_run


def make_details(movie_id: int, **overrides: Any) -> dict[str, Any]:
    """A TMDb `/movie/{id}` body that passes the data contract."""
    details: dict[str, Any] = {
        "adult": False,
        "id": movie_id,
        "imdb_id": f"tt{movie_id:07d}",
        "title": f"Movie {movie_id}",
        "original_title": f"Movie {movie_id}",
        "original_language": "en",
        "release_date": "1999-03-31",
        "genres": [{"id": 28, "name": "Action"}, {"id": 878, "name": "Science Fiction"}],
        "production_countries": [{"iso_3166_1": "US", "name": "United States of America"}],
        "popularity": 12.5,
        "vote_average": 7.9,
        "vote_count": 1200,
        "overview": "A hacker learns the truth about his reality.",
        "tagline": "Welcome to the real world.",
        "runtime": 136,
        "status": "Released",
        "budget": 63_000_000,
        "revenue": 463_517_383,
        "poster_path": None,
        "backdrop_path": None,
        "homepage": "",
        "video": False,
        "spoken_languages": [],
        "production_companies": [],
    }
    return {**details, **overrides}


def make_wire_review(review_id: str, **overrides: Any) -> dict[str, Any]:
    """A TMDb review as the source sends it (author in clear)."""
    review: dict[str, Any] = {
        "author": "Jane Critic",
        "author_details": {
            "name": "Jane",
            "username": "janecritic",
            "avatar_path": "/a.jpg",
            "rating": 8.0,
        },
        "content": f"Review {review_id}: a thoughtful take, see https://blog.example.com/x",
        "created_at": "2020-01-02T03:04:05.678Z",
        "updated_at": "2021-01-02T03:04:05.678Z",
        "id": review_id,
        "url": f"https://www.themoviedb.org/review/{review_id}",
        "source": "tmdb",
    }
    return {**review, **overrides}


def make_review(review_id: str, **overrides: Any) -> dict[str, Any]:
    """A review as stored in reviews.jsonl (pseudonymised, scrubbed)."""
    review: dict[str, Any] = {
        "author_hash": "0123456789abcdef",
        "author_details": {"rating": 8.0},
        "content": f"Review {review_id}: a thoughtful take on the film, see [url]",
        "created_at": "2020-01-02T03:04:05.678Z",
        "updated_at": "2021-01-02T03:04:05.678Z",
        "id": review_id,
        "url": f"https://www.themoviedb.org/review/{review_id}",
        "source": "tmdb",
    }
    return {**review, **overrides}


def make_review_record(movie_id: int, review_id: str, **fields: Any) -> dict[str, Any]:
    """A reviews.jsonl record with a valid stored review (fields overridable)."""
    return {"movie_id": movie_id, "review": make_review(review_id, **fields)}


def make_movie_record(movie_id: int, **details: Any) -> dict[str, Any]:
    """A movies.jsonl record with valid details (overridable) and one streaming provider."""
    providers = {
        "link": f"https://www.themoviedb.org/movie/{movie_id}/watch?locale=US",
        "flatrate": [
            {"provider_id": 8, "provider_name": "Netflix", "logo_path": None, "display_priority": 1}
        ],
    }
    return {
        "id": movie_id,
        "details": make_details(movie_id, **details),
        "watch_providers": providers,
    }


def write_raw_run(
    raw_dir: Path,
    run_id: str,
    movies: list[Any],
    reviews: list[Any],
    *,
    ranked_ids: list[int] | None = None,
) -> Path:
    """Write a raw run folder; trending ranks follow `ranked_ids` (default: the movie ids)."""
    if ranked_ids is None:
        ranked_ids = [
            m["id"] for m in movies if isinstance(m, dict) and isinstance(m.get("id"), int)
        ]
    trending = [{"rank": i, "id": mid, "window": "week"} for i, mid in enumerate(ranked_ids, 1)]
    run = RawRun(trending=trending, movies=movies, reviews=reviews)
    manifest = {
        "run_id": run_id,
        "source": "test",
        "window": "week",
        "movie_limit": len(trending),
        "counts": run.counts(),
    }
    return write_run(raw_dir, run_id, run, manifest)
