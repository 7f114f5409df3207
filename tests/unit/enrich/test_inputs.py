from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from tests.utils.enrich import make_input
from tests.utils.factories import make_movie, make_review, movies_frame, reviews_frame
from trending_now.config import EnrichParams
from trending_now.enrich.inputs import ReviewText, build_inputs, content_hash, rating_score


def test_build_inputs_cleans_orders_and_caps_reviews() -> None:
    movies = movies_frame([make_movie(1, genres=["Drama", "Crime"]), make_movie(2)])
    reviews = reviews_frame(
        [
            make_review(1, "b", "Second <b>bold</b> review.", rating=None),
            make_review(1, "a", "First review<br />with a break.", rating=9.0),
            make_review(1, "c", "   ", rating=3.0),
            make_review(1, "d", "Third.", rating=3.0),
        ]
    )
    inputs = build_inputs(movies, reviews, EnrichParams(max_reviews=2))
    first = inputs[0]
    assert [r.review_id for r in first.reviews] == ["a", "b"]
    assert first.reviews[0].text == "First review\nwith a break."
    assert first.reviews[1].text == "Second bold review." and first.reviews[1].rating is None
    assert first.known_genres == ("Drama", "Crime")
    assert inputs[1].reviews == () and inputs[1].data_run_id == "run-1"


def test_content_hash_ignores_run_and_known_genres_but_not_text() -> None:
    movie = make_input(1)
    same = dataclasses.replace(movie, data_run_id="run-2", known_genres=("Comedy",))
    edited = dataclasses.replace(movie, overview=movie.overview + "!")
    assert content_hash(movie) == content_hash(same)
    assert content_hash(movie) != content_hash(edited)
    assert content_hash(movie) != content_hash(movie, salt="other-provider-settings")


@pytest.mark.parametrize(
    ("ratings", "vote_average", "vote_count", "expected"),
    [
        ([8.0, 6.0], 9.0, 100, 0.5 * 9.0 + 0.5 * 7.0),
        ([8.0, None], 0.0, 0, 8.0),
        ([], 6.5, 10, 6.5),
        ([None], None, 0, None),
        ([0.2], 0.0, 0, 1.0),
    ],
)
def test_rating_score(
    ratings: list[float | None], vote_average: float | None, vote_count: int, expected: float | None
) -> None:
    reviews = tuple(ReviewText(str(i), "tmdb", "x", r) for i, r in enumerate(ratings))
    movie = make_input(1, reviews=reviews, vote_average=vote_average, vote_count=vote_count)
    assert rating_score(movie, vote_weight=0.5) == expected


def test_missing_numbers_are_none() -> None:
    movies = movies_frame([make_movie(1, vote_average=float("nan"))])
    assert build_inputs(movies, pd.DataFrame(), EnrichParams())[0].vote_average is None
