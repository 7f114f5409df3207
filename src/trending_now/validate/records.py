"""Flatten raw run records into the validated column layout, noting record-level problems.

A raw record may be anything a source sent: a non-object, a missing `details`, a field of the
wrong type. Flattening never raises: a problem becomes a reason (`"vote_count: expected int, got
str"`) and the field becomes null, so the record reaches quarantine with every reason it has.
A record whose shape is unusable (`fatal`) skips the column checks altogether.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pyarrow as pa

from trending_now.ingest.raw import UnparsedLine

# The validated Parquet layout (SPEC "Validated data"); column order is the contract's order.
MOVIES_ARROW = pa.schema(
    [
        ("id", pa.int64()),
        ("imdb_id", pa.string()),
        ("title", pa.string()),
        ("original_title", pa.string()),
        ("original_language", pa.string()),
        ("release_date", pa.timestamp("ns")),
        ("genre_ids", pa.list_(pa.int64())),
        ("genres", pa.list_(pa.string())),
        ("production_countries", pa.list_(pa.string())),
        ("popularity", pa.float64()),
        ("vote_average", pa.float64()),
        ("vote_count", pa.int64()),
        ("overview", pa.string()),
        ("tagline", pa.string()),
        ("runtime", pa.int64()),
        ("status", pa.string()),
        ("budget", pa.int64()),
        ("revenue", pa.int64()),
        ("poster_path", pa.string()),
        ("trending_rank", pa.int64()),
        ("providers_flatrate", pa.list_(pa.string())),
        ("providers_rent", pa.list_(pa.string())),
        ("providers_buy", pa.list_(pa.string())),
        ("run_id", pa.string()),
        ("source", pa.string()),
    ]
)
REVIEWS_ARROW = pa.schema(
    [
        ("review_id", pa.string()),
        ("movie_id", pa.int64()),
        ("source", pa.string()),
        ("author_hash", pa.string()),
        ("rating", pa.float64()),
        ("content", pa.string()),
        ("created_at", pa.timestamp("ns", tz="UTC")),
        ("updated_at", pa.timestamp("ns", tz="UTC")),
        ("url", pa.string()),
        ("run_id", pa.string()),
    ]
)
MOVIE_COLUMNS = MOVIES_ARROW.names
REVIEW_COLUMNS = REVIEWS_ARROW.names
PROVIDER_KINDS = ("flatrate", "rent", "buy")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


@dataclass
class Flat:
    """One flattened record: its columns, the problems met, and whether it is unusable."""

    row: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    fatal: bool = False

    def problem(self, reason: str, *, fatal: bool = False) -> None:
        """Note a problem with this record."""
        self.reasons.append(reason)
        self.fatal = self.fatal or fatal


def _type_name(value: Any) -> str:
    """A JSON-ish name for a Python value's type, for reasons."""
    return "null" if value is None else type(value).__name__


def _is_int(value: Any) -> bool:
    """An int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


_KINDS: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "int": _is_int,
    "number": lambda v: _is_int(v) or isinstance(v, float),
    "list": lambda v: isinstance(v, list),
}


def _fits(value: Any) -> bool:
    """Representable in the Parquet column: ints within int64, floats finite."""
    if isinstance(value, float):
        return math.isfinite(value)
    return not _is_int(value) or _INT64_MIN <= value <= _INT64_MAX


def _take(flat: Flat, obj: dict[str, Any], key: str, kind: str, *, column: str = "") -> Any:
    """`obj[key]` if it has type `kind` (null passes through), else null and a reason."""
    value = obj.get(key)
    if value is None:
        return None
    if not _KINDS[kind](value):
        flat.problem(f"{column or key}: expected {kind}, got {_type_name(value)}")
        return None
    if not _fits(value):
        flat.problem(f"{column or key}: not representable (overflow or not finite)")
        return None
    return float(value) if kind == "number" else value


def _parse_instant(value: str, *, utc: bool) -> pd.Timestamp:
    """ISO 8601 only (no "now"/"today" magic): a date for release dates, an instant in UTC."""
    if not utc:
        return pd.Timestamp(date.fromisoformat(value)).as_unit("ns")
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:  # TMDb stamps are UTC ("...Z"); a naive one is read as UTC too
        instant = instant.replace(tzinfo=UTC)
    return pd.Timestamp(instant).tz_convert("UTC").as_unit("ns")


def _date(flat: Flat, value: Any, column: str, *, utc: bool) -> pd.Timestamp | None:
    """Parse a date/timestamp string; empty or null is null, anything else unparseable a reason."""
    if value is None or value == "":
        return None
    try:
        if not isinstance(value, str):
            raise TypeError(type(value).__name__)
        return _parse_instant(value, utc=utc)
    except (TypeError, ValueError):  # includes pandas' OutOfBoundsDatetime (beyond 2262)
        flat.problem(f"{column}: not a date")
        return None


def _genres(flat: Flat, details: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """Split TMDb `genres: [{id, name}]` into ids and names, TMDb order kept."""
    genres = _take(flat, details, "genres", "list") or []
    if not all(isinstance(g, dict) for g in genres):
        flat.problem("genres: expected a list of {id, name} objects")
        return [], []
    return [g.get("id") for g in genres], [g.get("name") for g in genres]


def _countries(flat: Flat, details: dict[str, Any]) -> list[Any]:
    """ISO 3166-1 codes from `production_countries: [{iso_3166_1, name}]`."""
    countries = _take(flat, details, "production_countries", "list") or []
    return [c.get("iso_3166_1") if isinstance(c, dict) else c for c in countries]


def _providers(flat: Flat, providers: Any) -> dict[str, list[Any]]:
    """Provider names per kind from the US watch-providers object (null means none)."""
    if providers is not None and not isinstance(providers, dict):
        flat.problem(f"watch_providers: expected object or null, got {_type_name(providers)}")
    us = providers if isinstance(providers, dict) else {}
    names: dict[str, list[Any]] = {}
    for kind in PROVIDER_KINDS:
        offers = _take(flat, us, kind, "list", column=f"providers_{kind}") or []
        names[f"providers_{kind}"] = [
            o.get("provider_name") if isinstance(o, dict) else o for o in offers
        ]
    return names


def _object_record(flat: Flat, record: Any) -> dict[str, Any] | None:
    """The record if it is a JSON object, else None (fatal)."""
    if isinstance(record, UnparsedLine):
        flat.problem("record: not valid JSON", fatal=True)
        return None
    if not isinstance(record, dict):
        flat.problem(f"record: expected object, got {_type_name(record)}", fatal=True)
        return None
    return record


def _movie_envelope(flat: Flat, record: Any) -> dict[str, Any] | None:
    """The `details` object of a movies.jsonl record, or None (fatal) if the shape is wrong."""
    record = _object_record(flat, record)
    if record is None:
        return None
    details = record.get("details")
    if not isinstance(details, dict):
        flat.problem(f"details: expected object, got {_type_name(details)}", fatal=True)
        return None
    if not _is_int(record.get("id")) or record.get("id") != details.get("id"):
        flat.problem("id: record id missing or not equal to details.id", fatal=True)
        return None
    return details


def flatten_movie(record: Any, *, trending_rank: dict[int, int], run_id: str, source: str) -> Flat:
    """One movies.jsonl record as a validated-layout row (plus its problems)."""
    flat = Flat()
    details = _movie_envelope(flat, record)
    if details is None:
        return flat
    row = flat.row
    row["id"] = details["id"]
    for key in ("imdb_id", "title", "original_title", "original_language", "overview"):
        row[key] = _take(flat, details, key, "string")
    row["imdb_id"] = row["imdb_id"] or None  # TMDb sends "" as well as null for "no IMDb id"
    row["release_date"] = _date(flat, details.get("release_date"), "release_date", utc=False)
    row["genre_ids"], row["genres"] = _genres(flat, details)
    row["production_countries"] = _countries(flat, details)
    for key in ("popularity", "vote_average"):
        row[key] = _take(flat, details, key, "number")
    row["vote_count"] = _take(flat, details, "vote_count", "int")
    row["tagline"] = _take(flat, details, "tagline", "string") or None  # "" = no tagline
    row["runtime"] = _take(flat, details, "runtime", "int")
    row["status"] = _take(flat, details, "status", "string")
    row["budget"] = _take(flat, details, "budget", "int")
    row["revenue"] = _take(flat, details, "revenue", "int")
    row["poster_path"] = _take(flat, details, "poster_path", "string")
    row["trending_rank"] = trending_rank.get(row["id"])
    if row["trending_rank"] is None:
        flat.problem("trending_rank: movie not in trending.jsonl")
    row.update(_providers(flat, record.get("watch_providers")))
    row.update(run_id=run_id, source=source)
    return flat


def _review_envelope(flat: Flat, record: Any) -> dict[str, Any] | None:
    """The `review` object of a reviews.jsonl record, or None (fatal) if the shape is wrong."""
    record = _object_record(flat, record)
    if record is None:
        return None
    review = record.get("review")
    if not isinstance(review, dict):
        flat.problem(f"review: expected object, got {_type_name(review)}", fatal=True)
        return None
    if not _is_int(record.get("movie_id")):
        flat.problem(
            f"movie_id: expected int, got {_type_name(record.get('movie_id'))}", fatal=True
        )
        return None
    return review


def flatten_review(record: Any, *, run_id: str) -> Flat:
    """One reviews.jsonl record as a validated-layout row (plus its problems)."""
    flat = Flat()
    review = _review_envelope(flat, record)
    if review is None:
        return flat
    row = flat.row
    row["review_id"] = _take(flat, review, "id", "string", column="review_id")
    row["movie_id"] = record["movie_id"]
    row["source"] = _take(flat, review, "source", "string")
    row["author_hash"] = _take(flat, review, "author_hash", "string")
    details = review.get("author_details")
    details = details if isinstance(details, dict) else {}
    row["rating"] = _take(flat, details, "rating", "number", column="rating")
    row["content"] = _take(flat, review, "content", "string")
    row["created_at"] = _date(flat, review.get("created_at"), "created_at", utc=True)
    row["updated_at"] = _date(flat, review.get("updated_at"), "updated_at", utc=True)
    row["url"] = _take(flat, review, "url", "string")
    row["run_id"] = run_id
    return flat


def movies_frame(rows: list[dict[str, Any]], index: list[int]) -> pd.DataFrame:
    """Movie rows as a DataFrame with the contract's dtypes (nullable ints while validating)."""
    df = pd.DataFrame(rows, columns=MOVIE_COLUMNS, index=index)
    for col in ("id", "vote_count", "runtime", "budget", "revenue", "trending_rank"):
        df[col] = pd.array(df[col].tolist(), dtype="Int64")
    for col in ("popularity", "vote_average"):
        df[col] = df[col].astype("float64")
    df["release_date"] = pd.to_datetime(df["release_date"]).astype("datetime64[ns]")
    return _object_text(
        df,
        (
            "imdb_id",
            "title",
            "original_title",
            "original_language",
            "overview",
            "tagline",
            "status",
            "poster_path",
            "run_id",
            "source",
        ),
    )


def reviews_frame(rows: list[dict[str, Any]], index: list[int]) -> pd.DataFrame:
    """Review rows as a DataFrame with the contract's dtypes."""
    df = pd.DataFrame(rows, columns=REVIEW_COLUMNS, index=index)
    df["movie_id"] = pd.array(df["movie_id"].tolist(), dtype="Int64")
    df["rating"] = df["rating"].astype("float64")
    for col in ("created_at", "updated_at"):
        df[col] = pd.to_datetime(df[col], utc=True).astype("datetime64[ns, UTC]")
    return _object_text(df, ("review_id", "source", "author_hash", "content", "url", "run_id"))


def _object_text(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Text columns as object dtype with None for null (what pandera's `str` expects)."""
    for col in columns:
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df
