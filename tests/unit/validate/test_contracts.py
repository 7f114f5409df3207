"""The data contract, rule by rule: each bad record lands in quarantine with the right reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.source.snapshot import read_records, shape_details, shape_providers, shape_review
from tests.utils.raw_records import make_movie_record, make_review, make_review_record
from trending_now.config import ValidateParams
from trending_now.ingest.privacy import sanitise_review
from trending_now.ingest.raw import UnparsedLine
from trending_now.validate.contracts import ISO_639_1, LANGUAGE_CODES, TMDB_GENRES
from trending_now.validate.quarantine import RawRecords, Table, validate_run

TODAY = date(2026, 11, 26)
SNAPSHOT = Path(__file__).resolve().parents[3] / "data" / "snapshot" / "movies.jsonl.xz"


def _validate(
    movies: list[Any], reviews: list[Any], params: ValidateParams | None = None
) -> tuple[Table, Table]:
    ids = [m["id"] for m in movies if isinstance(m, dict) and isinstance(m.get("id"), int)]
    trending = [{"rank": i, "id": mid, "window": "week"} for i, mid in enumerate(ids, 1)]
    run = RawRecords("run-1", "test", trending, movies, reviews)
    return validate_run(run, params=params or ValidateParams(), today=TODAY)


def _reasons(table: Table) -> list[list[str]]:
    return [q["reasons"] for q in table.quarantined]


def test_good_records_pass() -> None:
    movies, reviews = _validate(
        [make_movie_record(1)], [make_review_record(1, "a"), make_review_record(1, "b")]
    )
    assert (len(movies.valid), len(reviews.valid)) == (1, 2)
    assert movies.quarantined == reviews.quarantined == []
    row = movies.valid.iloc[0]
    assert row["genres"] == ["Action", "Science Fiction"]
    assert row["production_countries"] == ["US"]
    assert row["providers_flatrate"] == ["Netflix"]
    assert row["trending_rank"] == 1


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ({"vote_average": 42}, "vote_average: outside 0-10"),
        ({"vote_average": -0.1}, "vote_average: outside 0-10"),
        ({"popularity": -1.0}, "popularity: negative"),
        ({"vote_count": -3}, "vote_count: negative"),
        ({"runtime": -5}, "runtime: negative"),
        ({"budget": -1}, "budget: negative"),
        ({"original_language": "english"}, "original_language: not a known language code"),
        ({"original_language": "EN"}, "original_language: not a known language code"),
        ({"original_language": "qq"}, "original_language: not a known language code"),
        ({"release_date": "1850-01-01"}, "release_date: outside 1870-01-01..2028-11-25"),
        ({"release_date": "2030-01-01"}, "release_date: outside 1870-01-01..2028-11-25"),
        ({"release_date": ""}, "release_date: missing"),
        ({"release_date": "soon"}, "release_date: not a date"),
        ({"release_date": "now"}, "release_date: not a date"),  # no pandas magic words
        ({"release_date": "2500-01-01"}, "release_date: not a date"),  # beyond datetime64[ns]
        ({"release_date": 1999}, "release_date: not a date"),
        ({"budget": 10**30}, "budget: not representable (overflow or not finite)"),
        ({"popularity": float("inf")}, "popularity: not representable (overflow or not finite)"),
        ({"genres": []}, "genre_ids: non-empty TMDb genre ids"),
        ({"genres": [{"id": 1, "name": "Action"}]}, "genre_ids: non-empty TMDb genre ids"),
        ({"genres": [{"id": 28, "name": "Actoin"}]}, "genres: non-empty TMDb genre names"),
        (
            {"genres": [{"id": 28, "name": "Drama"}]},
            "genres: names do not match TMDb's for the ids",
        ),
        ({"genres": "Action"}, "genres: expected list, got str"),
        ({"genres": ["Action"]}, "genres: expected a list of {id, name} objects"),
        ({"title": "   "}, "title: shorter than 1 chars after stripping"),
        ({"title": None}, "title: missing"),
        ({"title": 5}, "title: expected string, got int"),
        ({"status": ""}, "status: shorter than 1 chars after stripping"),
        ({"imdb_id": "nm0000206"}, "imdb_id: not an IMDb id"),
        ({"vote_count": "12"}, "vote_count: expected int, got str"),
        ({"vote_count": 1.5}, "vote_count: expected int, got float"),
        ({"vote_average": True}, "vote_average: expected number, got bool"),
        (
            {"production_countries": [{"iso_3166_1": "usa"}]},
            "production_countries: ISO 3166-1 codes",
        ),
        ({"id": 2}, "id: record id missing or not equal to details.id"),
    ],
)
def test_bad_movie_is_quarantined_with_reason(details: dict[str, Any], expected: str) -> None:
    movies, reviews = _validate([make_movie_record(1, **details)], [make_review_record(1, "a")])
    assert movies.valid.empty
    assert expected in _reasons(movies)[0]
    assert _reasons(reviews) == [["movie not valid"]]


def test_type_problem_is_not_reported_twice() -> None:
    movies, _ = _validate([make_movie_record(1, title=5)], [])
    assert _reasons(movies) == [["title: expected string, got int"]]


def test_all_reasons_are_collected() -> None:
    record = make_movie_record(1, vote_average=11, original_language="zz", runtime=-1)
    movies, _ = _validate([record], [])
    assert sorted(_reasons(movies)[0]) == [
        "original_language: not a known language code",
        "runtime: negative",
        "vote_average: outside 0-10",
    ]


@pytest.mark.parametrize(
    "details",
    [
        {"original_language": "cn"},
        {"original_language": "xx"},
        {"runtime": None},
        {"runtime": 0},
        {"imdb_id": None},
        {"imdb_id": ""},
        {"tagline": None},
        {"tagline": ""},
        {"vote_average": 0},
        {"vote_average": 10},
        {"production_countries": []},
        {"release_date": "2027-06-01"},
        {"release_date": "1895-03-22"},
    ],
)
def test_edge_values_are_valid(details: dict[str, Any]) -> None:
    movies, _ = _validate([make_movie_record(1, **details)], [])
    assert _reasons(movies) == []


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ([1, 2], "record: expected object, got list"),
        ("movie", "record: expected object, got str"),
        ({"id": 1}, "details: expected object, got null"),
        ({"id": 1, "details": []}, "details: expected object, got list"),
        ({"details": {"id": 1}}, "id: record id missing or not equal to details.id"),
        (UnparsedLine(3, "{oops", "Expecting property name"), "record: not valid JSON"),
    ],
)
def test_unusable_movie_record_is_quarantined(record: Any, expected: str) -> None:
    movies, _ = _validate([record, make_movie_record(2)], [])
    assert _reasons(movies) == [[expected]]
    assert movies.valid["id"].tolist() == [2]
    assert movies.quarantined[0]["record"] == (
        record.text if isinstance(record, UnparsedLine) else record
    )


def test_bad_providers_are_reasons() -> None:
    record = make_movie_record(1)
    record["watch_providers"] = ["Netflix"]
    movies, _ = _validate([record], [])
    assert _reasons(movies) == [["watch_providers: expected object or null, got list"]]


def test_movie_missing_from_trending_is_quarantined() -> None:
    run = RawRecords("run-1", "test", [], [make_movie_record(1)], [])
    movies, _ = validate_run(run, params=ValidateParams(), today=TODAY)
    assert _reasons(movies) == [["trending_rank: movie not in trending.jsonl"]]


def test_duplicate_movie_keeps_the_first() -> None:
    movies, reviews = _validate(
        [make_movie_record(1), make_movie_record(1, title="Other")], [make_review_record(1, "a")]
    )
    assert movies.valid["title"].tolist() == ["Movie 1"]
    assert _reasons(movies) == [["id: duplicate"]]
    assert len(reviews.valid) == 1


def test_empty_overview_needs_a_validmake_review_record() -> None:
    movies, reviews = _validate(
        [make_movie_record(1, overview=""), make_movie_record(2, overview=" ")],
        [make_review_record(1, "a"), make_review_record(2, "b", content="  ")],
    )
    assert movies.valid["id"].tolist() == [1]
    assert _reasons(movies) == [["overview: empty and no valid review"]]
    assert _reasons(reviews) == [
        ["content: shorter than 1 chars after stripping", "movie not valid"]
    ]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"content": "   "}, "content: shorter than 1 chars after stripping"),
        ({"content": None}, "content: missing"),
        ({"content": 7}, "content: expected string, got int"),
        ({"author_details": {"rating": 0}}, "rating: outside 1-10"),
        ({"author_details": {"rating": 11.0}}, "rating: outside 1-10"),
        ({"author_details": {"rating": "9"}}, "rating: expected number, got str"),
        ({"source": "rottentomatoes"}, "source: not a known review source"),
        ({"author_hash": "Jane Critic"}, "author_hash: not a 16-hex pseudonym"),
        ({"created_at": "yesterday"}, "created_at: not a date"),
        ({"updated_at": "99999-01-01T00:00:00Z"}, "updated_at: not a date"),
        ({"id": 123}, "review_id: expected string, got int"),
        ({"id": ""}, "review_id: shorter than 1 chars after stripping"),
    ],
)
def test_bad_review_is_quarantined_with_reason(fields: dict[str, Any], expected: str) -> None:
    movies, reviews = _validate(
        [make_movie_record(1)], [make_review_record(1, "a"), make_review_record(1, "b", **fields)]
    )
    assert len(movies.valid) == 1
    assert reviews.valid["review_id"].tolist() == ["a"]
    assert expected in _reasons(reviews)[0]


@pytest.mark.parametrize(
    "fields",
    [
        {"author_details": {"rating": None}},
        {"author_details": {}},
        {"author_hash": None, "created_at": None, "updated_at": None, "url": None},
        {"source": "imdb_large_movie_review_v1"},
        {"content": "."},
        {"author_details": {"rating": 9.5}},
    ],
)
def test_review_edge_values_are_valid(fields: dict[str, Any]) -> None:
    _, reviews = _validate([make_movie_record(1)], [make_review_record(1, "a", **fields)])
    assert _reasons(reviews) == []


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"movie_id": 1}, "review: expected object, got null"),
        (
            {"movie_id": "1", "review": make_review("a")},
            "movie_id: expected int, got str",
        ),
        (None, "record: expected object, got null"),
        ({"movie_id": 9, "review": make_review("a")}, "movie not valid"),
    ],
)
def test_unusable_review_record_is_quarantined(record: Any, expected: str) -> None:
    _, reviews = _validate([make_movie_record(1)], [record])
    assert _reasons(reviews) == [[expected]]


def test_duplicate_reviews_keep_the_first() -> None:
    reviews_in = [
        make_review_record(1, "a"),
        make_review_record(1, "a", content="another text"),  # same id
        make_review_record(1, "b", content="same words"),
        make_review_record(1, "c", content="same words"),  # same content, same movie
        make_review_record(2, "d", content="same words"),  # same content, other movie: fine
    ]
    _, reviews = _validate([make_movie_record(1), make_movie_record(2)], reviews_in)
    assert reviews.valid["review_id"].tolist() == ["a", "b", "d"]
    assert _reasons(reviews) == [["review_id: duplicate"], ["(movie_id, content): duplicate"]]


def test_min_review_chars_is_a_param() -> None:
    params = ValidateParams(min_review_chars=30)
    _, reviews = _validate(
        [make_movie_record(1)],
        [make_review_record(1, "a"), make_review_record(1, "b", content="Nice movie")],
        params,
    )
    assert reviews.valid["review_id"].tolist() == ["a"]
    assert _reasons(reviews) == [["content: shorter than 30 chars after stripping"]]


def test_reference_sets() -> None:
    assert len(ISO_639_1) == 183
    assert {"cn", "xx"} <= LANGUAGE_CODES
    assert all(len(c) == 2 and c.islower() for c in LANGUAGE_CODES)
    assert len(TMDB_GENRES) == 19


@pytest.fixture(scope="module")
def snapshot_run() -> RawRecords:
    """The shipped snapshot, shaped as the ingest stage would store it (no HTTP)."""
    movies: list[Any] = []
    reviews: list[Any] = []
    for record in read_records(SNAPSHOT):
        providers = shape_providers(record)["results"].get("US")
        movies.append(
            {"id": record["id"], "details": shape_details(record), "watch_providers": providers}
        )
        reviews += [
            {
                "movie_id": record["id"],
                "review": sanitise_review(shape_review(r), "salt"),
            }
            for r in record["reviews"]
        ]
    trending = [{"rank": i, "id": m["id"], "window": "week"} for i, m in enumerate(movies, 1)]
    return RawRecords("snapshot", "tmdb-replay", trending, movies, reviews)


def test_the_shipped_snapshot_passes_the_contract(snapshot_run: RawRecords) -> None:
    movies, reviews = validate_run(snapshot_run, params=ValidateParams(), today=TODAY)
    assert (movies.counts.valid, movies.counts.quarantined) == (621, 0)
    assert (reviews.counts.valid, reviews.counts.quarantined) == (8895, 0)


def test_the_snapshot_at_a_30_char_minimum(snapshot_run: RawRecords) -> None:
    # The README's "junk that is real": 21 TMDb reviews under 30 characters. At the default
    # minimum of 1 they pass; raised to 30 they (and only they) go to quarantine.
    params = ValidateParams(min_review_chars=30)
    _, reviews = validate_run(snapshot_run, params=params, today=TODAY)
    assert reviews.counts.quarantined == 21
    assert {q["record"]["review"]["source"] for q in reviews.quarantined} == {"tmdb"}
