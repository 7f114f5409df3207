"""Snapshot-schema records -> validated-schema tables, with clear problems for bad records."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from trending_now.features.snapshot import (
    UnusableRecordsError,
    parse_records,
    to_validated_frames,
)

RECORD: dict[str, Any] = {
    "id": 11,
    "imdb_id": "tt0076759",
    "title": "Star Wars",
    "original_language": "en",
    "release_date": "1977-05-25",
    "genres": [{"id": 12, "name": "Adventure"}, {"id": 878, "name": "Science Fiction"}],
    "popularity": 17.1,
    "overview": "Princess Leia is captured.",
    "watch_providers_us": {"flatrate": ["Disney Plus"], "rent": [], "buy": []},
    "reviews": [
        {
            "id": "r1",
            "source": "tmdb",
            "author": "someone",
            "author_details": {"rating": 9.0},
            "content": "Great <em>space</em> opera.",
            "created_at": "2017-02-13T22:23:01.268Z",
            "updated_at": "2017-02-13T22:23:01.268Z",
            "url": "https://example.org/r1",
        },
        {
            "id": "r2",
            "source": "imdb_large_movie_review_v1",
            "author": None,
            "author_details": {"rating": 8},
            "content": "Loved it.",
            "created_at": None,
            "updated_at": None,
            "url": None,
            "acl": {"partition": "train", "label": "pos", "file_id": "1_8"},
        },
    ],
}


def test_records_map_to_the_validated_schema() -> None:
    movies, problems = parse_records([RECORD])
    assert problems == []
    movies_df, reviews_df = to_validated_frames(movies)
    row = movies_df.iloc[0]
    assert row["genres"] == ["Adventure", "Science Fiction"]
    assert row["genre_ids"] == [12, 878]
    assert str(movies_df["release_date"].dtype) == "datetime64[ns]"
    assert row["providers_flatrate"] == ["Disney Plus"]
    assert list(reviews_df["review_id"]) == ["r1", "r2"]
    assert str(reviews_df["created_at"].dtype) == "datetime64[ns, UTC]"
    assert reviews_df["created_at"].isna().tolist() == [False, True]
    assert reviews_df["rating"].tolist() == [9.0, 8.0]
    assert "author" not in reviews_df.columns


def _broken(**changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(RECORD)
    record.update(changes)
    return record


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (_broken(overview=None, reviews=[]), "no overview and no reviews"),
        (_broken(overview="  ", reviews=None), "no overview and no reviews"),
        (_broken(id="eleven"), "id:"),
        (_broken(popularity="very"), "popularity:"),
        (_broken(overview=42), "overview:"),
        (_broken(reviews=[{"id": "x"}]), "reviews.0.content:"),
        ("not a record", "record"),
    ],
)
def test_unusable_records_are_reported_with_a_reason(record: Any, reason: str) -> None:
    movies, problems = parse_records([RECORD, record])
    assert len(movies) == 1
    assert [p.index for p in problems] == [1]
    assert reason in str(problems[0])


def test_unusable_records_error_lists_every_problem() -> None:
    _, problems = parse_records([_broken(id="x"), _broken(overview=None, reviews=None, id=5)])
    error = UnusableRecordsError(problems)
    assert "2 record(s) cannot be used" in str(error)
    assert "record 0" in str(error) and "record 1 (id=5)" in str(error)


def test_movie_with_only_reviews_is_usable() -> None:
    movies, problems = parse_records([_broken(overview=None)])
    assert problems == [] and movies[0].overview is None
