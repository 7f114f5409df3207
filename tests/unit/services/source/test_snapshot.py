"""Snapshot loading (.xz, .gz, plain) and the pure shaping rules."""

from __future__ import annotations

import gzip
import json
import lzma
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from services.source.snapshot import (
    build_snapshot,
    load_snapshot,
    provider_id,
    shape_providers,
    trending_order,
)


def movie(movie_id: int, popularity: float, *, flagged: bool, reviews: int = 0) -> dict[str, Any]:
    """A minimal snapshot record."""
    return {
        "id": movie_id,
        "imdb_id": f"tt{movie_id:07d}",
        "title": f"Movie {movie_id}",
        "original_title": f"Movie {movie_id}",
        "original_language": "en",
        "release_date": "2000-01-01",
        "genres": [{"id": 18, "name": "Drama"}],
        "production_countries": ["US", "XX"],
        "popularity": popularity,
        "vote_average": 7.0,
        "vote_count": 10,
        "overview": "o",
        "tagline": None,
        "runtime": 90,
        "status": "Released",
        "budget": 0,
        "revenue": 0,
        "in_tmdb_lists_2026_03_09": flagged,
        "watch_providers_us": {"flatrate": [], "rent": [], "buy": []},
        "reviews": [
            {
                "id": f"r{movie_id}-{i}",
                "source": "tmdb",
                "author": "a",
                "author_details": {"rating": 8.0},
                "content": "c",
                "created_at": "2020-01-01T00:00:00.000Z",
                "updated_at": "2020-01-01T00:00:00.000Z",
                "url": "https://example.org",
            }
            for i in range(reviews)
        ],
    }


RECORDS = [
    movie(5, 10.0, flagged=False),
    movie(3, 50.0, flagged=True, reviews=41),
    movie(1, 50.0, flagged=True),
    movie(2, 99.0, flagged=False),
]


@pytest.mark.parametrize("suffix", ["jsonl", "jsonl.gz", "jsonl.xz"])
def test_load_snapshot_reads_every_compression(tmp_path: Path, suffix: str) -> None:
    text = "\n".join(json.dumps(r) for r in RECORDS) + "\n\n"
    path = tmp_path / f"movies.{suffix}"
    data = text.encode("utf-8")
    compressors: dict[str, Callable[[bytes], bytes]] = {
        "jsonl": bytes,
        "jsonl.gz": gzip.compress,
        "jsonl.xz": lzma.compress,
    }
    path.write_bytes(compressors[suffix](data))
    snapshot = load_snapshot(path)
    assert sorted(snapshot.movies) == [1, 2, 3, 5]
    assert snapshot.trending_counts == {"day": 2, "week": 4}


def test_trending_order_flagged_first_then_popularity_then_id() -> None:
    assert [r["id"] for r in trending_order(RECORDS, "day")] == [1, 3]
    assert [r["id"] for r in trending_order(RECORDS, "week")] == [1, 3, 2, 5]


def test_review_pages_are_precomputed_20_a_page() -> None:
    pages = build_snapshot(RECORDS).movies[3].review_pages
    bodies = [json.loads(p) for p in pages]
    assert [len(b["results"]) for b in bodies] == [20, 20, 1]
    assert {(b["total_pages"], b["total_results"], b["id"]) for b in bodies} == {(3, 41, 3)}


def test_details_fall_back_to_the_code_for_unknown_countries() -> None:
    details = json.loads(build_snapshot(RECORDS).movies[1].details)
    assert details["production_countries"] == [
        {"iso_3166_1": "US", "name": "United States of America"},
        {"iso_3166_1": "XX", "name": "XX"},
    ]


def test_provider_ids_known_and_derived() -> None:
    assert provider_id("Netflix") == 8
    assert provider_id("Some New Service") == zlib.crc32(b"Some New Service") % 10**6 + 10**6


def test_providers_without_any_kind_is_an_empty_results_object() -> None:
    assert shape_providers(RECORDS[0]) == {"id": 5, "results": {}}
