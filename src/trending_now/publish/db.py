"""The serving database's tables (SQLAlchemy 2), the same on SQLite and PostgreSQL.

A build is one complete copy of these tables (a SQLite file or a Postgres schema, see
`builds.py`); it is never written again once it is current, which is what lets the API cache
responses per build.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# TMDb ids fit in 32 bits today; BIGINT keeps any id the API accepts comparable on Postgres,
# while SQLite keeps INTEGER (its rowid alias).
MovieId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and read back timezone-aware, alike on every backend."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("serving timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base of the serving tables."""

    # none_as_null: a missing value is SQL NULL, not the JSON text "null".
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON(none_as_null=True),
        list[str]: JSON(none_as_null=True),
        dict[str, float]: JSON(none_as_null=True),
        datetime: UtcDateTime(),
        str: Text(),  # no length limits: SQLite would not enforce them, Postgres would
    }


class Movie(Base):
    """One published movie with its predictions, enrichment and lineage."""

    __tablename__ = "movies"

    id: Mapped[int] = mapped_column(MovieId, primary_key=True, autoincrement=False)  # TMDb id
    title: Mapped[str]
    poster_path: Mapped[str | None]
    overview: Mapped[str]
    original_language: Mapped[str]
    release_date: Mapped[date | None]
    popularity: Mapped[float]
    vote_average: Mapped[float]
    vote_count: Mapped[int]
    trending_rank: Mapped[int] = mapped_column(index=True)
    primary_genre: Mapped[str | None]
    genres: Mapped[list[str]]  # TMDb genres, TMDb order
    platforms: Mapped[list[str]]  # US flat-rate (subscription) providers
    predicted_genres: Mapped[list[str] | None]  # None: no model was published
    genre_probabilities: Mapped[dict[str, float] | None]
    is_enriched: Mapped[bool]
    llm_genres: Mapped[list[str]]
    summary: Mapped[str | None]
    vibe_score: Mapped[int | None] = mapped_column(index=True)
    vibe_tags: Mapped[list[str]]
    provider: Mapped[str | None]  # who wrote the AI text
    enrichment_model: Mapped[str | None]
    prompt_version: Mapped[str | None]
    data_version: Mapped[str]
    model_name: Mapped[str | None]
    model_version: Mapped[str | None]
    published_at: Mapped[datetime]


class Review(Base):
    """A link to one source review, with a short excerpt."""

    __tablename__ = "reviews"

    movie_id: Mapped[int] = mapped_column(MovieId, ForeignKey("movies.id"), primary_key=True)
    id: Mapped[str] = mapped_column(primary_key=True)
    source: Mapped[str]
    rating: Mapped[float | None]
    url: Mapped[str | None]
    excerpt: Mapped[str]


class MovieFacet(Base):
    """One (kind, value) a movie can be filtered and grouped by: genre, platform or tag."""

    __tablename__ = "movie_facets"
    __table_args__ = (Index("ix_movie_facets_kind_value", "kind", "value"),)

    movie_id: Mapped[int] = mapped_column(MovieId, ForeignKey("movies.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(primary_key=True)


class ModelCard(Base):
    """The published model's metrics summary and meta (a single row; absent fields say why)."""

    __tablename__ = "model_card"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    model_name: Mapped[str | None]
    model_version: Mapped[str | None]
    card: Mapped[dict[str, Any]]  # metrics summary + meta, or {"reason": ...}


class Document(Base):
    """A governance document copied in at publish time, or the reason it is missing.

    Kinds: `model_card`, `gate_decision`, `enrichment_card`, `mltestscore` (see documents.py).
    Copied rather than read live, so a swap changes them together with the data they describe.
    """

    __tablename__ = "documents"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str]  # the path it was (or would have been) read from
    content: Mapped[dict[str, Any] | None]
    markdown: Mapped[str | None]
    reason: Mapped[str | None]  # why content is None


class PublishInfo(Base):
    """Facts about the build as a whole: data version, counts, omissions and their reasons."""

    __tablename__ = "publish_info"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data_version: Mapped[str]
    published_at: Mapped[datetime]
    details: Mapped[dict[str, Any]]


FACET_KINDS = ("genre", "platform", "tag")
