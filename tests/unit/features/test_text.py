"""Cleaning rules, review order and one document per movie."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.utils.factories import make_movie, make_review, movies_frame, reviews_frame
from trending_now.features.text import (
    build_documents,
    clean_text,
    order_reviews,
    truncate_text,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Great.<br /><br />Loved it", "Great.\n\nLoved it"),
        ("one<br>two<BR/>three", "one\ntwo\nthree"),
        ("<em>so</em> <a href='http://x.y'>good</a>", "so good"),
        ("Tom &amp; Jerry &quot;cat&quot; &#39;mouse&#39;", "Tom & Jerry \"cat\" 'mouse'"),
        ("a&nbsp;b", "a b"),
        ("**bold** and __strong__", "bold and strong"),
        ("*italic* and _italics_ here", "italic and italics here"),
        ("snake_case_name stays, 2*3*4 too", "snake_case_name stays, 2*3*4 too"),
        ("[my blog](https://example.com) says", "my blog says"),
        ("a < b and c > d", "a < b and c > d"),
        ("I <3 it", "I <3 it"),
        ("  lots   of\tspace \n\n\n\n next  ", "lots of space\n\nnext"),
        ("line\r\nbreaks\rhere", "line\nbreaks\nhere"),
        ("", ""),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_clean_text_is_idempotent() -> None:
    raw = "<p>**Wow**</p><br />It's &amp; fine  _really_ a < b"
    once = clean_text(raw)
    assert clean_text(once) == once


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("one two three four", 12, "one two"),
        ("abcdefghijklmnop", 5, "abcde"),
    ],
)
def test_truncate_text(text: str, limit: int, expected: str) -> None:
    assert truncate_text(text, limit) == expected


def test_order_reviews_by_source_then_date_then_id() -> None:
    rows = [
        make_review(1, "b", "x", source="tmdb", created_at=pd.Timestamp("2021-01-01", tz="UTC")),
        make_review(1, "c", "x", source="imdb_large_movie_review_v1", created_at=None),
        make_review(1, "a", "x", source="tmdb", created_at=pd.Timestamp("2021-01-01", tz="UTC")),
        make_review(1, "d", "x", source="tmdb", created_at=pd.Timestamp("2019-01-01", tz="UTC")),
        make_review(1, "a", "x", source="imdb_large_movie_review_v1", created_at=None),
    ]
    ordered = order_reviews(reviews_frame(rows))
    assert list(zip(ordered["source"], ordered["review_id"], strict=True)) == [
        ("imdb_large_movie_review_v1", "a"),
        ("imdb_large_movie_review_v1", "c"),
        ("tmdb", "d"),
        ("tmdb", "a"),
        ("tmdb", "b"),
    ]


def _two_movies() -> tuple[pd.DataFrame, pd.DataFrame]:
    movies = movies_frame([make_movie(1, title="Alien"), make_movie(2, overview="Quiet.")])
    reviews = reviews_frame(
        [
            make_review(
                1, "r2", "Second <br />review", created_at=pd.Timestamp("2022-01-01", tz="UTC")
            ),
            make_review(
                1, "r1", "**First** review", created_at=pd.Timestamp("2020-01-01", tz="UTC")
            ),
            make_review(1, "r3", "   ", created_at=pd.Timestamp("2023-01-01", tz="UTC")),
        ]
    )
    return movies, reviews


def test_build_documents_one_per_movie_in_review_order() -> None:
    movies, reviews = _two_movies()
    docs = build_documents(movies, reviews, max_review_chars=1000)
    assert list(docs["id"]) == [1, 2]
    assert docs.loc[0, "text"] == "Alien\n\nOverview of movie 1.\n\nFirst review\n\nSecond\nreview"
    assert docs.loc[1, "text"] == "Movie 2\n\nQuiet."
    assert set(docs.columns) >= {"original_language", "release_year", "decade", "popularity"}
    assert docs.loc[0, "decade"] == 2000


def test_build_documents_does_not_depend_on_input_row_order() -> None:
    movies, reviews = _two_movies()
    shuffled = reviews.sample(frac=1.0, random_state=3)
    first = build_documents(movies, reviews, max_review_chars=1000)
    second = build_documents(movies, shuffled, max_review_chars=1000)
    pd.testing.assert_frame_equal(first, second)


def test_build_documents_truncates_each_review_and_caps_their_number() -> None:
    movies, reviews = _two_movies()
    docs = build_documents(movies, reviews, max_review_chars=8, max_reviews=1)
    assert docs.loc[0, "text"] == "Alien\n\nOverview of movie 1.\n\nFirst"
