"""Flattening raw records into the validated layout."""

from __future__ import annotations

import pandas as pd

from tests.utils.raw_records import make_movie_record, make_review
from trending_now.validate.records import (
    MOVIE_COLUMNS,
    REVIEW_COLUMNS,
    flatten_movie,
    flatten_review,
    movies_frame,
    reviews_frame,
)


def test_flatten_movie_maps_every_column() -> None:
    record = make_movie_record(7, imdb_id="", tagline="")
    record["watch_providers"]["rent"] = [{"provider_name": "Apple TV Store"}]
    flat = flatten_movie(record, trending_rank={7: 3}, run_id="r", source="tmdb-replay")
    assert flat.reasons == []
    assert not flat.fatal
    assert sorted(flat.row) == sorted(MOVIE_COLUMNS)
    row = flat.row
    assert (row["id"], row["trending_rank"], row["run_id"], row["source"]) == (
        7,
        3,
        "r",
        "tmdb-replay",
    )
    assert row["imdb_id"] is None and row["tagline"] is None  # TMDb's "" means none
    assert row["genre_ids"] == [28, 878]
    assert row["genres"] == ["Action", "Science Fiction"]
    assert row["production_countries"] == ["US"]
    assert row["release_date"] == pd.Timestamp("1999-03-31")
    assert (row["providers_flatrate"], row["providers_rent"], row["providers_buy"]) == (
        ["Netflix"], ["Apple TV Store"], [],
    )  # fmt: skip


def test_flatten_movie_without_providers() -> None:
    record = {**make_movie_record(7), "watch_providers": None}
    row = flatten_movie(record, trending_rank={7: 1}, run_id="r", source="s").row
    assert row["providers_flatrate"] == row["providers_rent"] == row["providers_buy"] == []


def test_flatten_movie_wrong_type_becomes_null_and_reason() -> None:
    flat = flatten_movie(
        make_movie_record(7, popularity="high"), trending_rank={7: 1}, run_id="r", source="s"
    )
    assert flat.row["popularity"] is None
    assert flat.reasons == ["popularity: expected number, got str"]
    assert not flat.fatal


def test_flatten_movie_unusable_record_is_fatal() -> None:
    flat = flatten_movie({"id": 7, "details": None}, trending_rank={}, run_id="r", source="s")
    assert flat.fatal
    assert flat.row == {}


def test_flatten_review_maps_every_column() -> None:
    flat = flatten_review({"movie_id": 7, "review": make_review("abc")}, run_id="r")
    assert flat.reasons == []
    assert sorted(flat.row) == sorted(REVIEW_COLUMNS)
    assert flat.row["review_id"] == "abc"
    assert flat.row["rating"] == 8.0
    assert flat.row["created_at"] == pd.Timestamp("2020-01-02T03:04:05.678Z")
    assert str(flat.row["created_at"].tz) == "UTC"


def test_frames_have_contract_dtypes_even_when_empty() -> None:
    movies = movies_frame([], [])
    reviews = reviews_frame([], [])
    assert list(movies.columns) == list(MOVIE_COLUMNS)
    assert str(movies["release_date"].dtype) == "datetime64[ns]"
    assert str(movies["runtime"].dtype) == "Int64"
    assert str(reviews["created_at"].dtype) == "datetime64[ns, UTC]"
    assert str(reviews["rating"].dtype) == "float64"


def test_frame_keeps_record_positions_as_index() -> None:
    rows = [
        flatten_movie(make_movie_record(i), trending_rank={i: i}, run_id="r", source="s").row
        for i in (1, 2)
    ]
    df = movies_frame(rows, [4, 9])
    assert df.index.tolist() == [4, 9]
    assert df["runtime"].tolist() == [136, 136]


def test_timestamps_are_normalised_to_utc() -> None:
    review = make_review(
        "abc", created_at="2020-01-01T00:00:00+02:00", updated_at="2020-01-01T05:00:00"
    )
    row = flatten_review({"movie_id": 7, "review": review}, run_id="r").row
    assert row["created_at"] == pd.Timestamp("2019-12-31T22:00:00Z")
    assert row["updated_at"] == pd.Timestamp("2020-01-01T05:00:00Z")  # naive = UTC
