"""The monitored view of a data version: one row per movie, and the predicted genre mix."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tests.utils.factories import make_movie, make_review, movies_frame, reviews_frame
from trending_now.config import FeaturesParams
from trending_now.monitor.profile import COLUMNS, NO_GENRE, genre_mix, movie_profile, shares


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    movies = movies_frame([
        make_movie(1, original_language="fr", release_date=pd.Timestamp("1999-02-03"),
                   vote_average=6.5, popularity=12.0, title="Title One", overview="Plot one."),
        make_movie(2, release_date=None),
    ])  # fmt: skip
    reviews = reviews_frame([
        make_review(1, "a", "<b>Great</b> film", rating=8.0),
        make_review(1, "b", "x" * 40, rating=None),
        make_review(1, "c", "short", rating=6.0),
    ])  # fmt: skip
    return movies, reviews


def test_one_row_per_movie_with_every_monitored_column() -> None:
    profile = movie_profile(*_tables(), FeaturesParams())
    assert list(profile.columns) == ["id", *COLUMNS]
    first = profile.set_index("id").loc[1]
    assert first["original_language"] == "fr"
    assert first["release_year"] == 1999
    assert (first["vote_average"], first["popularity"]) == (6.5, 12.0)
    assert first["review_count"] == 3
    assert first["review_rating"] == 7.0  # mean of the rated reviews only
    assert first["review_length"] == 10  # median of the cleaned lengths 10 ("Great film"), 40, 5
    # Reviews only, cleaned like training documents: no title, no overview, no HTML.
    assert "Title One" not in first["review_text"] and "Plot one" not in first["review_text"]
    assert "Great film" in first["review_text"] and "<b>" not in first["review_text"]


def test_a_movie_without_reviews_or_date_is_kept_with_missing_values() -> None:
    second = movie_profile(*_tables(), FeaturesParams()).set_index("id").loc[2]
    assert second["review_count"] == 0 and second["review_text"] == ""
    assert math.isnan(second["review_rating"]) and math.isnan(second["review_length"])
    assert math.isnan(second["release_year"])


def test_review_text_follows_the_features_cut() -> None:
    movies, reviews = _tables()
    text = movie_profile(movies, reviews, FeaturesParams(max_reviews=1)).iloc[0]["review_text"]
    assert text == "Great film"


def test_genre_mix_has_a_row_per_predicted_genre_and_counts_movies_without_one() -> None:
    decisions = np.array([[True, True, False], [False, False, False]])
    mix = genre_mix([7, 8], ["Drama", "Comedy", "Horror"], decisions)
    assert mix.values.tolist() == [[7, "Drama"], [7, "Comedy"], [8, NO_GENRE]]
    assert shares(mix) == {"Drama": 0.3333, "Comedy": 0.3333, NO_GENRE: 0.3333}
