"""The data contract: pandera schemas for flattened movies and reviews, plus the reference sets.

Rules that need the whole table (duplicates) live in the schemas too (`unique`, reporting all but
the first copy, so one copy of a duplicated record stays valid). Rules that join the two tables
(a review needs a valid movie; a movie needs some text) are applied afterwards in `quarantine.py`.

Overview decision: TMDb leaves `overview` empty for some films, so an empty overview alone is not
a contract failure; a movie must however have *some* text for the features stage: a non-empty
overview or at least one valid review (`NO_TEXT_REASON`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import pandera.pandas as pa

from trending_now.config import ValidateParams

# TMDb's 19 movie genres (GET /3/genre/movie/list); ids are stable across TMDb's API versions.
TMDB_GENRES: dict[int, str] = {
    28: "Action",
    12: "Adventure",
    16: "Animation",
    35: "Comedy",
    80: "Crime",
    99: "Documentary",
    18: "Drama",
    10751: "Family",
    14: "Fantasy",
    36: "History",
    27: "Horror",
    10402: "Music",
    9648: "Mystery",
    10749: "Romance",
    878: "Science Fiction",
    10770: "TV Movie",
    53: "Thriller",
    10752: "War",
    37: "Western",
}

# ISO 639-1 (all 183 current two-letter codes) plus codes TMDb uses that ISO does not have:
# "cn" (TMDb's code for Cantonese), "xx" (TMDb: no language), and the withdrawn ISO codes
# "sh" (Serbo-Croatian) and "mo" (Moldavian), which older TMDb records still carry.
_ISO_639_1_TEXT = (
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv "
    "cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho "
    "hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku "
    "kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn "
    "no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm "
    "sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi "
    "vo wa wo xh yi yo za zh zu"
)
ISO_639_1 = frozenset(_ISO_639_1_TEXT.split())
TMDB_EXTRA_LANGUAGES = frozenset({"cn", "xx", "sh", "mo"})
LANGUAGE_CODES = ISO_639_1 | TMDB_EXTRA_LANGUAGES

REVIEW_SOURCES = frozenset({"tmdb", "imdb_large_movie_review_v1"})

MOVIE_NOT_VALID_REASON = "movie not valid"
NO_TEXT_REASON = "overview: empty and no valid review"

UTC_NS = pd.DatetimeTZDtype("ns", "UTC")


def _non_blank(min_chars: int = 1) -> pa.Check:
    """Text with at least `min_chars` characters once surrounding whitespace is stripped."""
    return pa.Check(
        lambda s: s.str.strip().str.len() >= min_chars,
        error=f"shorter than {min_chars} chars after stripping",
    )


def _list_of(predicate: Any, what: str, *, non_empty: bool) -> pa.Check:
    """Each cell is a list whose every element satisfies `predicate` (and is non-empty if asked)."""

    def check(cell: Any) -> bool:
        return (
            isinstance(cell, list) and (bool(cell) or not non_empty) and all(map(predicate, cell))
        )

    return pa.Check(check, element_wise=True, error=f"{'non-empty ' if non_empty else ''}{what}")


def _genres_match_ids(df: pd.DataFrame) -> pd.Series:
    """Row-wise: the genre names are TMDb's names for the genre ids, pair by pair."""
    return pd.Series(
        [
            isinstance(ids, list)
            and isinstance(names, list)
            and [TMDB_GENRES.get(i) for i in ids] == names
            for ids, names in zip(df["genre_ids"], df["genres"], strict=True)
        ],
        index=df.index,
    )


def _release_window(params: ValidateParams, today: date) -> pa.Check:
    """Release date from `min_release_year` to `max_future_release_days` after today."""
    latest = pd.Timestamp(today + timedelta(days=params.max_future_release_days))
    return pa.Check(
        lambda s: (s.dt.year >= params.min_release_year) & (s <= latest),
        error=f"outside {params.min_release_year}-01-01..{latest.date().isoformat()}",
    )


def _text(*checks: pa.Check, nullable: bool = False) -> pa.Column:
    """A string column."""
    return pa.Column(str, list(checks), nullable=nullable)


def _provider_names() -> pa.Column:
    """A list of provider names (possibly empty)."""
    return pa.Column(
        object, _list_of(lambda x: isinstance(x, str) and x != "", "names", non_empty=False)
    )


def movie_schema(params: ValidateParams, *, today: date) -> pa.DataFrameSchema:
    """The contract for flattened movies (`today` anchors the future-release limit)."""
    return pa.DataFrameSchema(
        {
            "id": pa.Column(
                "Int64", pa.Check.gt(0), unique=True, report_duplicates="exclude_first"
            ),
            "imdb_id": _text(
                pa.Check.str_matches(r"^tt\d+$", error="not an IMDb id"), nullable=True
            ),
            "title": _text(_non_blank()),
            "original_title": _text(_non_blank()),
            "original_language": _text(
                pa.Check.isin(LANGUAGE_CODES, error="not a known language code")
            ),
            "release_date": pa.Column("datetime64[ns]", _release_window(params, today)),
            "genre_ids": pa.Column(
                object, _list_of(lambda x: x in TMDB_GENRES, "TMDb genre ids", non_empty=True)
            ),
            "genres": pa.Column(
                object,
                _list_of(lambda x: x in TMDB_GENRES.values(), "TMDb genre names", non_empty=True),
            ),
            "production_countries": pa.Column(
                object,
                _list_of(
                    lambda x: isinstance(x, str) and len(x) == 2 and x.isupper(),
                    "ISO 3166-1 codes",
                    non_empty=False,
                ),
            ),
            "popularity": pa.Column("float64", pa.Check.ge(0, error="negative")),
            "vote_average": pa.Column("float64", pa.Check.in_range(0, 10, error="outside 0-10")),
            "vote_count": pa.Column("Int64", pa.Check.ge(0, error="negative")),
            "overview": _text(),
            "tagline": _text(nullable=True),
            "runtime": pa.Column("Int64", pa.Check.ge(0, error="negative"), nullable=True),
            "status": _text(_non_blank()),
            "budget": pa.Column("Int64", pa.Check.ge(0, error="negative")),
            "revenue": pa.Column("Int64", pa.Check.ge(0, error="negative")),
            "poster_path": _text(nullable=True),
            "trending_rank": pa.Column("Int64", pa.Check.ge(1, error="below 1")),
            "providers_flatrate": _provider_names(),
            "providers_rent": _provider_names(),
            "providers_buy": _provider_names(),
            "run_id": _text(_non_blank()),
            "source": _text(_non_blank()),
        },
        checks=[pa.Check(_genres_match_ids, error="genres: names do not match TMDb's for the ids")],
        strict=True,
        ordered=True,
    )


def review_schema(params: ValidateParams) -> pa.DataFrameSchema:
    """The contract for flattened reviews (duplicates: review id, and content within a movie)."""
    return pa.DataFrameSchema(
        {
            "review_id": pa.Column(
                str, _non_blank(), unique=True, report_duplicates="exclude_first"
            ),
            "movie_id": pa.Column("Int64", pa.Check.gt(0)),
            "source": _text(pa.Check.isin(REVIEW_SOURCES, error="not a known review source")),
            "author_hash": _text(
                pa.Check.str_matches(r"^[0-9a-f]{16}$", error="not a 16-hex pseudonym"),
                nullable=True,
            ),
            "rating": pa.Column(
                "float64", pa.Check.in_range(1, 10, error="outside 1-10"), nullable=True
            ),
            "content": _text(_non_blank(params.min_review_chars)),
            "created_at": pa.Column(UTC_NS, nullable=True),
            "updated_at": pa.Column(UTC_NS, nullable=True),
            "url": _text(nullable=True),
            "run_id": _text(_non_blank()),
        },
        unique=["movie_id", "content"],
        report_duplicates="exclude_first",
        strict=True,
        ordered=True,
    )
