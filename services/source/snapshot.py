"""Load the movie snapshot and shape its records into TMDb API v3 JSON, precomputed per movie."""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from trending_now.io import read_records as _read_records

PAGE_SIZE = 20
MAX_PAGE = 500  # TMDb refuses pages above 500 whatever the result count

Window = Literal["day", "week"]
Json = dict[str, Any]

# The 19 TMDb movie genres, in the order /genre/movie/list returns them.
TMDB_GENRES: tuple[tuple[int, str], ...] = (
    (28, "Action"),
    (12, "Adventure"),
    (16, "Animation"),
    (35, "Comedy"),
    (80, "Crime"),
    (99, "Documentary"),
    (18, "Drama"),
    (10751, "Family"),
    (14, "Fantasy"),
    (36, "History"),
    (27, "Horror"),
    (10402, "Music"),
    (9648, "Mystery"),
    (10749, "Romance"),
    (878, "Science Fiction"),
    (10770, "TV Movie"),
    (53, "Thriller"),
    (10752, "War"),
    (37, "Western"),
)

# Known TMDb watch-provider ids; other names get a stable id from `provider_id`.
KNOWN_PROVIDER_IDS: dict[str, int] = {
    "Apple TV Store": 2,
    "Google Play Movies": 3,
    "Fandango At Home": 7,
    "Netflix": 8,
    "Amazon Prime Video": 9,
    "Amazon Video": 10,
    "MUBI": 11,
    "Hulu": 15,
    "Starz": 43,
    "Shudder": 99,
    "Kanopy": 191,
    "YouTube": 192,
    "Criterion Channel": 258,
    "fuboTV": 257,
    "Crunchyroll": 283,
    "Peacock": 386,
    "Peacock Premium": 386,
    "Peacock Premium Plus": 387,
    "Disney Plus": 337,
    "Apple TV": 350,
    "AMC+": 526,
    "Paramount Plus": 531,
    "Plex": 538,
    "Netflix Standard with Ads": 1796,
    "Max": 1899,
    "HBO Max": 1899,
}

# TMDb's English names for the production countries the snapshot uses; others show the code.
COUNTRY_NAMES: dict[str, str] = {
    "AR": "Argentina",
    "AT": "Austria",
    "AU": "Australia",
    "BE": "Belgium",
    "BR": "Brazil",
    "CA": "Canada",
    "CH": "Switzerland",
    "CN": "China",
    "CZ": "Czech Republic",
    "DE": "Germany",
    "DK": "Denmark",
    "ES": "Spain",
    "FI": "Finland",
    "FR": "France",
    "GB": "United Kingdom",
    "HK": "Hong Kong",
    "HU": "Hungary",
    "IE": "Ireland",
    "IN": "India",
    "IR": "Iran",
    "IT": "Italy",
    "JP": "Japan",
    "KR": "South Korea",
    "KZ": "Kazakhstan",
    "LU": "Luxembourg",
    "LV": "Latvia",
    "MN": "Mongolia",
    "MX": "Mexico",
    "NL": "Netherlands",
    "NO": "Norway",
    "NZ": "New Zealand",
    "PE": "Peru",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "RU": "Russia",
    "SE": "Sweden",
    "SU": "Soviet Union",
    "TH": "Thailand",
    "TR": "Turkey",
    "TW": "Taiwan",
    "US": "United States of America",
}

PROVIDER_KINDS = ("flatrate", "rent", "buy")
IMDB_SOURCE = "imdb_large_movie_review_v1"


def read_records(path: Path) -> Iterator[Json]:
    """Yield the snapshot's movie records (one JSON object per non-blank line)."""
    yield from _read_records(path)


def provider_id(name: str) -> int:
    """TMDb's provider id when known, else a stable id in [10^6, 2*10^6) from the name."""
    known = KNOWN_PROVIDER_IDS.get(name)
    if known is not None:
        return known
    return zlib.crc32(name.encode("utf-8")) % 1_000_000 + 1_000_000


def shape_trending_item(record: Json) -> Json:
    """A movie as it appears in a TMDb trending list."""
    return {
        "adult": False,
        "id": record["id"],
        "title": record["title"],
        "original_title": record["original_title"],
        "original_language": record["original_language"],
        "overview": record["overview"],
        "poster_path": None,
        "backdrop_path": None,
        "media_type": "movie",
        "genre_ids": [genre["id"] for genre in record["genres"]],
        "popularity": record["popularity"],
        "release_date": record["release_date"],
        "video": False,
        "vote_average": record["vote_average"],
        "vote_count": record["vote_count"],
    }


def shape_details(record: Json) -> Json:
    """The TMDb `/movie/{id}` details object of a snapshot record."""
    countries = [
        {"iso_3166_1": code, "name": COUNTRY_NAMES.get(code, code)}
        for code in record["production_countries"]
    ]
    return {
        "adult": False,
        "id": record["id"],
        "imdb_id": record["imdb_id"],
        "title": record["title"],
        "original_title": record["original_title"],
        "original_language": record["original_language"],
        "release_date": record["release_date"],
        "genres": [{"id": g["id"], "name": g["name"]} for g in record["genres"]],
        "production_countries": countries,
        "popularity": record["popularity"],
        "vote_average": record["vote_average"],
        "vote_count": record["vote_count"],
        "overview": record["overview"],
        "tagline": record["tagline"],
        "runtime": record["runtime"],
        "status": record["status"],
        "budget": record["budget"],
        "revenue": record["revenue"],
        "poster_path": None,
        "backdrop_path": None,
        "homepage": "",
        "video": False,
        "spoken_languages": [],
        "production_companies": [],
    }


def shape_review(review: Json) -> Json:
    """A TMDb review object; IMDb-sourced reviews carry no author, dates or URL."""
    is_tmdb = review["source"] == "tmdb"
    author = review["author"] if is_tmdb else None
    return {
        "author": author,
        "author_details": {
            "name": "",
            "username": author,
            "avatar_path": None,
            "rating": (review.get("author_details") or {}).get("rating"),
        },
        "content": review["content"],
        "created_at": review["created_at"] if is_tmdb else None,
        "id": review["id"],
        "updated_at": review["updated_at"] if is_tmdb else None,
        "url": review["url"] if is_tmdb else None,
        "source": review["source"],
    }


def shape_providers(record: Json) -> Json:
    """The TMDb `/movie/{id}/watch/providers` object, US only; empty kinds are omitted."""
    names = record.get("watch_providers_us") or {}
    us: Json = {"link": f"https://www.themoviedb.org/movie/{record['id']}/watch?locale=US"}
    for kind in PROVIDER_KINDS:
        entries = [
            {
                "provider_id": provider_id(name),
                "provider_name": name,
                "logo_path": None,
                "display_priority": priority,
            }
            for priority, name in enumerate(names.get(kind) or [])
        ]
        if entries:
            us[kind] = entries
    return {"id": record["id"], "results": {"US": us} if len(us) > 1 else {}}


def total_pages(count: int) -> int:
    """TMDb's page count for `count` results (0 when there are none)."""
    return math.ceil(count / PAGE_SIZE)


def paginate(items: list[Json], page: int, extra: Json | None = None) -> Json:
    """One TMDb page envelope (`page`, `results`, `total_pages`, `total_results`)."""
    start = (page - 1) * PAGE_SIZE
    return {
        **(extra or {}),
        "page": page,
        "results": items[start : start + PAGE_SIZE],
        "total_pages": total_pages(len(items)),
        "total_results": len(items),
    }


def _popularity_order(records: Iterable[Json]) -> list[Json]:
    """Popularity descending, ties by id ascending."""
    return sorted(records, key=lambda r: (-float(r["popularity"]), int(r["id"])))


def trending_order(records: list[Json], window: Window) -> list[Json]:
    """The trending derivation: flagged movies first (only them for `day`), by popularity."""
    flagged = _popularity_order(r for r in records if r.get("in_tmdb_lists_2026_03_09"))
    if window == "day":
        return flagged
    return flagged + _popularity_order(r for r in records if not r.get("in_tmdb_lists_2026_03_09"))


def _dump(obj: Json) -> bytes:
    """Compact UTF-8 JSON, the wire form of every response."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class MovieResponses:
    """Precomputed response bodies of one movie."""

    details: bytes
    providers: bytes
    review_pages: tuple[bytes, ...]  # page N is review_pages[N - 1]
    review_count: int


@dataclass(frozen=True)
class Snapshot:
    """The whole snapshot as ready-to-send bodies: nothing is shaped per request."""

    movies: dict[int, MovieResponses]
    trending_pages: dict[str, tuple[bytes, ...]]
    trending_counts: dict[str, int]
    genres: bytes

    def empty_page(self, page: int, count: int, extra: Json | None = None) -> bytes:
        """A page past the last one: TMDb answers 200 with no results."""
        body = {**(extra or {}), "page": page, "results": []}
        return _dump(body | {"total_pages": total_pages(count), "total_results": count})


def _pages(items: list[Json], extra: Json | None = None) -> tuple[bytes, ...]:
    """Every page of `items`, serialised."""
    return tuple(_dump(paginate(items, p, extra)) for p in range(1, total_pages(len(items)) + 1))


def _movie_responses(record: Json) -> MovieResponses:
    """Precompute one movie's details, providers and review pages."""
    reviews = [shape_review(r) for r in record.get("reviews") or []]
    return MovieResponses(
        details=_dump(shape_details(record)),
        providers=_dump(shape_providers(record)),
        review_pages=_pages(reviews, {"id": record["id"]}),
        review_count=len(reviews),
    )


def build_snapshot(records: list[Json]) -> Snapshot:
    """Shape every record into its TMDb responses."""
    windows: tuple[Window, ...] = ("day", "week")
    ordered = {w: [shape_trending_item(r) for r in trending_order(records, w)] for w in windows}
    genres = {"genres": [{"id": gid, "name": name} for gid, name in TMDB_GENRES]}
    return Snapshot(
        movies={int(r["id"]): _movie_responses(r) for r in records},
        trending_pages={w: _pages(items) for w, items in ordered.items()},
        trending_counts={w: len(items) for w, items in ordered.items()},
        genres=_dump(genres),
    )


def load_snapshot(path: Path) -> Snapshot:
    """Read a snapshot file (.xz, .gz or plain JSON Lines) into precomputed responses."""
    return build_snapshot(list(read_records(path)))
