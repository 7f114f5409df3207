"""The publish stage: build the serving database the API reads, then swap it in atomically.

Validated movies are the rows; the production model's genre predictions (computed here through
the training code path) and the enrichments are joined where they exist: a movie without an
enrichment is still published, marked `is_enriched = false`; without a model the predictions are
omitted and the reason recorded. Every row carries its lineage (data version, model name and
version, prompt version, provider). The governance documents of the published model (card, gate
decision), the enrichment card and the ML Test Score are copied in beside the data
(`documents.py`). The serving URL picks SQLite files or PostgreSQL schemas; `builds.py` has the
build-then-swap of the `current` pointer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from trending_now.config import PublishParams
from trending_now.io import write_json
from trending_now.publish.build import (
    Lineage,
    facet_rows,
    model_card,
    movie_rows,
    predict_genres,
    read_enrichments,
    review_rows,
)
from trending_now.publish.builds import build_name, open_builds
from trending_now.publish.db import Document, ModelCard, PublishInfo
from trending_now.publish.documents import GovernanceDocument, finite, read_documents
from trending_now.registry.versions import (
    ModelRef,
    RegistryError,
    fetch_model,
    latest_version,
    production,
    recorded_metrics,
    unregistered_version,
)
from trending_now.workspace import data_version

log = logging.getLogger(__name__)


class PublishResult(BaseModel):
    """What a publish built (the build id, now current) and what it holds."""

    model_config = ConfigDict(frozen=True)

    build: str
    movies: int
    reviews: int
    enriched: int
    predicted: int
    data_version: str
    model_name: str | None
    model_version: str | None
    omitted: dict[str, str] = Field(default_factory=dict)  # what was left out, and why
    pruned: list[str] = Field(default_factory=list)
    enrichments: str = ""  # the enrichment gate's word on the enrichments (publish/tasks.py)


@dataclass(frozen=True)
class _Model:
    name: str | None
    version: str | None
    predictions: dict[int, tuple[list[str], dict[str, float]]] | None
    card: dict[str, Any]


def _model(
    model_dir: Path | None,
    movies: pd.DataFrame,
    reviews: pd.DataFrame,
    *,
    metrics_file: Path | None,
    repo: Path | None,
    name: str | None = None,
    model_cache: Path | None = None,
    embedding_cache: Path | None = None,
) -> _Model:
    """Predictions and card of the production version of `name` (GTO stage `prod`, fetched
    from the registry); only when no version is in production, the workspace model at
    `model_dir`, its card saying so. Without either, a card saying why there is none."""
    prod = _production_model(repo, name, model_cache) if repo and name else None
    if prod is not None:
        ref, prod_dir, prod_metrics = prod
        card = model_card(prod_dir, prod_metrics)
        card["serving"] = {"source": "production", "stage": "prod", "tag": ref.tag}
        predictions = predict_genres(prod_dir, movies, reviews, embedding_cache=embedding_cache)
        return _Model(ref.name, ref.version, predictions, card)
    if model_dir is None or not (model_dir / "meta.json").exists():
        reason = f"no trained model at {model_dir}" if model_dir else "no model configured"
        return _Model(None, None, None, {"reason": reason})
    card = model_card(model_dir, metrics_file)
    name = str(card["meta"]["name"])
    version = _latest_registered(repo, name) or unregistered_version(model_dir)
    card["serving"] = {
        "source": "workspace",
        "note": f"no version of {name} is in production: serving the workspace model "
        f"{model_dir} (not promoted by the gate)",
    }
    log.warning("publish: %s", card["serving"]["note"])
    predictions = predict_genres(model_dir, movies, reviews, embedding_cache=embedding_cache)
    return _Model(name, version, predictions, card)


def _latest_registered(repo: Path | None, name: str) -> str | None:
    """The highest registered version of `name`, when `repo` holds a registry."""
    if repo is None:
        return None
    try:
        latest = latest_version(repo, name)
    except RegistryError:
        return None
    return latest.version if latest else None


def _production_model(
    repo: Path, name: str, model_cache: Path | None
) -> tuple[ModelRef, Path, Path | None] | None:
    """(ref, model directory, metrics file) of the `prod` version, or None when there is none."""
    try:
        ref = production(repo, name)
    except RegistryError as exc:  # no git, no GTO tags: there is no registry here
        log.info("publish: no registry in %s (%s)", repo, str(exc).splitlines()[0])
        return None
    if ref is None:
        return None
    if model_cache is None:
        raise ValueError(f"{ref.tag} is in production: a model_cache is needed to fetch it")
    model_dir = fetch_model(repo, ref, model_cache)
    metrics = model_dir.parent / f"{name}.metrics.json"
    recorded = recorded_metrics(repo, ref)
    if recorded is not None:
        write_json(metrics, recorded)
    return ref, model_dir, metrics if metrics.exists() else None


def run_stage(
    *,
    validated_dir: Path,
    enriched_dir: Path,
    model_dir: Path | None,
    db_url: str,
    params: PublishParams,
    metrics_file: Path | None = None,
    raw_dvc: Path | None = None,
    repo: Path | None = None,
    governance_dir: Path | None = None,
    model_cache: Path | None = None,  # where registered versions are fetched to (var/models)
    embedding_cache: Path | None = None,  # MiniLM document vectors by content (var/cache)
) -> PublishResult:
    """Build a new serving database from what the pipeline produced and make it current."""
    builds = open_builds(db_url)
    movies = pd.read_parquet(validated_dir / "movies.parquet")
    reviews = pd.read_parquet(validated_dir / "reviews.parquet")
    model = _model(
        model_dir,
        movies,
        reviews,
        metrics_file=metrics_file,
        repo=repo,
        name=params.model,
        model_cache=model_cache,
        embedding_cache=embedding_cache,
    )
    enrichments = read_enrichments(enriched_dir)
    now = datetime.now(UTC)
    lineage = Lineage(data_version(raw_dvc, validated_dir), model.name, model.version, now)
    omitted = {"predictions": str(model.card["reason"])} if model.name is None else {}
    rows = movie_rows(movies, model.predictions, enrichments, lineage)
    links = review_rows(reviews, {m.id for m in rows}, params)
    documents = read_documents(governance_dir, model.name, model.version)
    info = {"counts": {"movies": len(rows), "reviews": len(links)}, "omitted": omitted,
            "documents": {d.kind: d.reason or "present" for d in documents}}  # fmt: skip
    build = build_name(now)
    content = [*rows, *links, *facet_rows(rows), *_document_rows(documents)]
    try:
        builds.create(build, lambda session: _fill(session, content, model, lineage, info))
        builds.swap(build)
        pruned = builds.prune(params.keep_builds)
    finally:
        builds.dispose()
    log.info("published %d movies to %s (model %s)", len(rows), build, model.version)
    return PublishResult(
        build=build, movies=len(rows), reviews=len(links),
        enriched=sum(m.is_enriched for m in rows),
        predicted=sum(m.predicted_genres is not None for m in rows),
        data_version=lineage.data_version, model_name=model.name,
        model_version=model.version, omitted=omitted, pruned=pruned,
    )  # fmt: skip


def _document_rows(documents: list[GovernanceDocument]) -> list[Document]:
    """One documents row per governance document, present or with the reason it is missing."""
    return [Document(kind=d.kind, source=d.source, content=d.content, markdown=d.markdown,
                     reason=d.reason) for d in documents]  # fmt: skip


def _fill(
    session: Session, rows: list[Any], model: _Model, lineage: Lineage, info: dict[str, Any]
) -> None:
    """Add every row of one build (the caller's transaction commits or discards them)."""
    session.add_all(rows)
    session.add(ModelCard(id=1, model_name=model.name, model_version=model.version,
                          card=finite(model.card)))  # fmt: skip
    session.add(PublishInfo(id=1, data_version=lineage.data_version,
                            published_at=lineage.published_at, details=info))  # fmt: skip
