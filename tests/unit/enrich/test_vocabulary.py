from __future__ import annotations

import re

from trending_now.enrich.vocabulary import TMDB_GENRES, VIBE_TAGS, genre_names, tag_names

TMDB_MOVIE_GENRES = {
    "Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family",
    "Fantasy", "History", "Horror", "Music", "Mystery", "Romance", "Science Fiction", "TV Movie",
    "Thriller", "War", "Western",
}  # fmt: skip


def test_about_thirty_unique_kebab_case_tags_with_descriptions() -> None:
    names = tag_names()
    assert 28 <= len(names) <= 34
    assert len(set(names)) == len(names)
    for term in VIBE_TAGS:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", term.name), term.name
        assert len(term.description.split()) >= 4, term.name


def test_issue_examples_are_in_the_vocabulary() -> None:
    assert {"slow-burn", "feel-good", "mind-bending"} <= set(tag_names())


def test_genres_are_the_19_tmdb_movie_genres() -> None:
    assert set(genre_names()) == TMDB_MOVIE_GENRES
    assert all(t.description for t in TMDB_GENRES)


def test_related_genres_of_tags_are_tmdb_genres() -> None:
    for term in VIBE_TAGS:
        assert term.related_genres, term.name
        assert set(term.related_genres) <= TMDB_MOVIE_GENRES, term.name
