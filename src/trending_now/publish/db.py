"""The serving database: SQLAlchemy 2 tables, and the build-then-swap of the `current` pointer.

The database URL names a pointer (a symlink such as `data/serving/current.sqlite3`). Each publish
writes a complete `serving-<timestamp>.sqlite3` beside it, then replaces the pointer atomically
(`os.replace` of a fresh symlink): readers open either the old build or the new one, never a
half-built file, and a reader already holding the old file keeps reading it. Older builds are
pruned down to `keep` (the current one and the previous, for rollback).
"""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, String, Text, create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool

BUILD_PREFIX = "serving-"
BUILD_SUFFIX = ".sqlite3"


class Base(DeclarativeBase):
    """Declarative base of the serving tables."""

    # none_as_null: a missing value is SQL NULL, not the JSON text "null".
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON(none_as_null=True),
        list[str]: JSON(none_as_null=True),
        dict[str, float]: JSON(none_as_null=True),
    }


class Movie(Base):
    """One published movie with its predictions, enrichment and lineage."""

    __tablename__ = "movies"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # the TMDb id
    title: Mapped[str] = mapped_column(Text)
    poster_path: Mapped[str | None] = mapped_column(Text)
    overview: Mapped[str] = mapped_column(Text)
    original_language: Mapped[str] = mapped_column(String(16))
    release_date: Mapped[date | None]
    popularity: Mapped[float]
    vote_average: Mapped[float]
    vote_count: Mapped[int]
    trending_rank: Mapped[int] = mapped_column(index=True)
    primary_genre: Mapped[str | None] = mapped_column(String(64))
    genres: Mapped[list[str]]  # TMDb genres, TMDb order
    platforms: Mapped[list[str]]  # US flat-rate (subscription) providers
    predicted_genres: Mapped[list[str] | None]  # None: no model was published
    genre_probabilities: Mapped[dict[str, float] | None]
    is_enriched: Mapped[bool]
    llm_genres: Mapped[list[str]]
    summary: Mapped[str | None] = mapped_column(Text)
    vibe_score: Mapped[int | None] = mapped_column(index=True)
    vibe_tags: Mapped[list[str]]
    provider: Mapped[str | None] = mapped_column(String(64))  # who wrote the AI text
    enrichment_model: Mapped[str | None] = mapped_column(String(128))
    prompt_version: Mapped[str | None] = mapped_column(String(128))
    data_version: Mapped[str] = mapped_column(String(64))
    model_name: Mapped[str | None] = mapped_column(String(64))
    model_version: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime]


class Review(Base):
    """A link to one source review, with a short excerpt."""

    __tablename__ = "reviews"

    movie_id: Mapped[int] = mapped_column(ForeignKey("movies.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    rating: Mapped[float | None]
    url: Mapped[str | None] = mapped_column(Text)
    excerpt: Mapped[str] = mapped_column(Text)


class MovieFacet(Base):
    """One (kind, value) a movie can be filtered and grouped by: genre, platform or tag."""

    __tablename__ = "movie_facets"
    __table_args__ = (Index("ix_movie_facets_kind_value", "kind", "value"),)

    movie_id: Mapped[int] = mapped_column(ForeignKey("movies.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(128), primary_key=True)


class ModelCard(Base):
    """The published model's card (a single row; absent fields say why)."""

    __tablename__ = "model_card"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    model_name: Mapped[str | None] = mapped_column(String(64))
    model_version: Mapped[str | None] = mapped_column(String(64))
    card: Mapped[dict[str, Any]]  # metrics summary + meta, or {"reason": ...}


class PublishInfo(Base):
    """Facts about the build as a whole: data version, counts, omissions and their reasons."""

    __tablename__ = "publish_info"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data_version: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime]
    details: Mapped[dict[str, Any]]


FACET_KINDS = ("genre", "platform", "tag")


def sqlite_pointer(db_url: str) -> Path:
    """The pointer path named by a SQLite URL; other backends are a clear error for now."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite":
        raise NotImplementedError(
            f"serving database backend {url.get_backend_name()!r} is not supported yet: "
            "use a sqlite:/// URL (Postgres needs a schema per build and a pointer table)"
        )
    if not url.database or url.database == ":memory:":
        raise ValueError(f"{db_url!r}: the serving database needs a file path")
    return Path(url.database)


def build_path(pointer: Path, stamp: datetime) -> Path:
    """A new build file beside the pointer, named by its UTC timestamp."""
    name = f"{BUILD_PREFIX}{stamp.strftime('%Y%m%dT%H%M%S%fZ')}{BUILD_SUFFIX}"
    return pointer.parent / name


def writer_engine(path: Path) -> Engine:
    """An engine that creates and fills one build file."""
    return create_engine(f"sqlite:///{path}", poolclass=NullPool)


def reader_engine(pointer: Path) -> Engine:
    """A read-only engine through the pointer; no pool, so each session sees the current build."""
    return create_engine(f"sqlite:///file:{pointer}?mode=ro&uri=true", poolclass=NullPool)


def swap_pointer(pointer: Path, build: Path) -> None:
    """Point `pointer` at `build` in one atomic step (a relative symlink replaced in place)."""
    tmp = pointer.with_name(f".{pointer.name}.{uuid.uuid4().hex}.tmp")
    tmp.symlink_to(build.name)
    try:
        os.replace(tmp, pointer)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def current_build(pointer: Path) -> Path | None:
    """The build file the pointer designates, or None before the first publish."""
    return pointer.resolve() if pointer.exists() else None


def prune_builds(pointer: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` builds (never the current one); return the deleted."""
    current = current_build(pointer)
    builds = sorted(pointer.parent.glob(f"{BUILD_PREFIX}*{BUILD_SUFFIX}"), reverse=True)
    doomed = [b for b in builds[keep:] if b.resolve() != current]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed
