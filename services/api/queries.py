"""Every SQL query of the API (reads only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from services.api.deps import Missing
from services.api.schemas import (
    EnrichmentCard,
    Facets,
    FacetValue,
    GenreProbability,
    Lineage,
    MLTestScorePublic,
    ModelCard,
    MovieDetail,
    MovieFilter,
    MoviePublic,
    MoviesPublic,
    ReviewLink,
)
from trending_now.publish.db import Document, Movie, MovieFacet, PublishInfo, Review
from trending_now.publish.db import ModelCard as ModelCardRow
from trending_now.publish.documents import (
    ENRICHMENT_CARD,
    GATE_DECISION,
    MLTESTSCORE,
    MODEL_CARD,
    GateDecision,
)

_PUBLIC_FIELDS = tuple(MoviePublic.model_fields)


def _has_facet(kind: str, value: str) -> Any:
    """A WHERE clause: the movie carries this facet value."""
    facet = select(MovieFacet.movie_id).where(MovieFacet.kind == kind, MovieFacet.value == value)
    return Movie.id.in_(facet)


def _filtered(query: Select[Any], filters: MovieFilter) -> Select[Any]:
    """`query` restricted by the filters (pagination excluded)."""
    for kind, value in (
        ("genre", filters.genre),
        ("platform", filters.platform),
        ("tag", filters.tag),
    ):
        if value is not None:
            query = query.where(_has_facet(kind, value))
    if filters.min_score is not None:
        query = query.where(Movie.vibe_score >= filters.min_score)
    if filters.max_score is not None:
        query = query.where(Movie.vibe_score <= filters.max_score)
    return query


def _public(movie: Movie) -> dict[str, Any]:
    """The list fields of a movie row."""
    return {name: getattr(movie, name) for name in _PUBLIC_FIELDS}


def _info(db: Session) -> PublishInfo:
    """The build's publish facts (every build has them)."""
    info = db.get(PublishInfo, 1)
    if info is None:
        raise RuntimeError("serving build without publish_info: not written by the publish stage")
    return info


def list_movies(db: Session, filters: MovieFilter) -> MoviesPublic:
    """A page of movies by trending rank, and the total matching the filters."""
    count = db.scalar(_filtered(select(func.count(Movie.id)), filters)) or 0
    page = _filtered(select(Movie), filters).order_by(Movie.trending_rank, Movie.id)
    rows = db.scalars(page.limit(filters.limit).offset(filters.offset))
    info = _info(db)
    return MoviesPublic(
        data=[MoviePublic(**_public(m)) for m in rows],
        count=count,
        data_version=info.data_version,
        published_at=info.published_at,
    )


def _probabilities(movie: Movie) -> list[GenreProbability] | None:
    """Genre probabilities, most likely first (None when no model was published)."""
    if movie.genre_probabilities is None:
        return None
    decided = set(movie.predicted_genres or [])
    ranked = sorted(movie.genre_probabilities.items(), key=lambda kv: (-kv[1], kv[0]))
    return [GenreProbability(genre=g, probability=p, predicted=g in decided) for g, p in ranked]


def get_movie(db: Session, movie_id: int) -> MovieDetail | Missing:
    """One movie with predictions, enrichment, review links and lineage."""
    movie = db.get(Movie, movie_id)
    if movie is None:
        return Missing("Movie not found")
    reviews = db.scalars(select(Review).where(Review.movie_id == movie_id).order_by(Review.id))
    lineage = Lineage(
        data_version=movie.data_version,
        model_name=movie.model_name,
        model_version=movie.model_version,
        prompt_version=movie.prompt_version,
        provider=movie.provider,
        published_at=movie.published_at,
    )
    return MovieDetail(
        **_public(movie),
        overview=movie.overview,
        original_language=movie.original_language,
        release_date=movie.release_date,
        vote_count=movie.vote_count,
        trending_rank=movie.trending_rank,
        predicted_genres=movie.predicted_genres,
        genre_probabilities=_probabilities(movie),
        llm_genres=movie.llm_genres,
        summary=movie.summary,
        lineage=lineage,
        reviews=[
            ReviewLink(id=r.id, source=r.source, rating=r.rating, url=r.url, excerpt=r.excerpt)
            for r in reviews
        ],
    )


def get_facets(db: Session) -> Facets:
    """Every genre, platform and tag with its movie count (most common first), and score range."""
    counts = db.execute(
        select(MovieFacet.kind, MovieFacet.value, func.count())
        .group_by(MovieFacet.kind, MovieFacet.value)
        .order_by(func.count().desc(), MovieFacet.value)
    )
    by_kind: dict[str, list[FacetValue]] = {"genre": [], "platform": [], "tag": []}
    for kind, value, count in counts:
        by_kind.setdefault(kind, []).append(FacetValue(value=value, count=count))
    low, high = db.execute(select(func.min(Movie.vibe_score), func.max(Movie.vibe_score))).one()
    return Facets(
        genres=by_kind["genre"],
        platforms=by_kind["platform"],
        tags=by_kind["tag"],
        min_score=low,
        max_score=high,
    )


def _documents(db: Session, *kinds: str) -> dict[str, Document]:
    """The build's governance documents of these kinds, by kind."""
    return {d.kind: d for d in db.scalars(select(Document).where(Document.kind.in_(kinds)))}


def _missing_reason(doc: Document | None, kind: str) -> str:
    """Why a document is absent from the build."""
    if doc is None:
        return f"no {kind} in this serving build (published before governance documents)"
    return doc.reason or f"no {kind} content"


def get_model_card(db: Session) -> ModelCard | Missing:
    """The published model's governance card and gate decision, with its metrics summary."""
    row = db.get(ModelCardRow, 1)
    if row is None:
        return Missing("No model card published")
    info = _info(db)
    docs = _documents(db, MODEL_CARD, GATE_DECISION)
    found = {k: d.content for k, d in docs.items() if d.content is not None}
    missing = {
        k: _missing_reason(docs.get(k), k) for k in (MODEL_CARD, GATE_DECISION) if k not in found
    }
    card = docs[MODEL_CARD] if MODEL_CARD in found else None
    decision = found.get(GATE_DECISION)
    return ModelCard(
        model_name=row.model_name,
        model_version=row.model_version,
        data_version=info.data_version,
        published_at=info.published_at,
        card=found.get(MODEL_CARD, row.card),
        card_source=card.source if card else "summary",
        markdown=card.markdown if card else None,
        summary=row.card,
        decision=GateDecision.model_validate(decision) if decision is not None else None,
        missing=missing,
    )


def get_enrichment_card(db: Session) -> EnrichmentCard | Missing:
    """The card of the enrichment run behind this build, or why there is none."""
    doc = _documents(db, ENRICHMENT_CARD).get(ENRICHMENT_CARD)
    if doc is None or doc.content is None:
        return Missing(_missing_reason(doc, ENRICHMENT_CARD))
    return EnrichmentCard.model_validate(doc.content)


def get_mltestscore(db: Session) -> MLTestScorePublic | Missing:
    """The ML Test Score published with this build, or why there is none."""
    doc = _documents(db, MLTESTSCORE).get(MLTESTSCORE)
    if doc is None or doc.content is None:
        return Missing(_missing_reason(doc, MLTESTSCORE))
    return MLTestScorePublic.model_validate(doc.content)
