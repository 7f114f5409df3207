"""The publish stage: build the serving database the API reads, then swap it in atomically.

Validated movies are the rows; the production model's genre predictions (computed here through
the training code path) and the enrichments are joined where they exist: a movie without an
enrichment is still published, marked `is_enriched = false`; without a model the predictions are
omitted and the reason recorded. Every row carries its lineage (data version, model name and
version, prompt version, provider). See `db.py` for the build-then-swap of the `current` pointer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from trending_now.config import PublishParams
from trending_now.publish.build import (
    Lineage,
    facet_rows,
    model_card,
    movie_rows,
    predict_genres,
    read_enrichments,
    review_rows,
)
from trending_now.publish.db import (
    Base,
    ModelCard,
    PublishInfo,
    build_path,
    prune_builds,
    sqlite_pointer,
    swap_pointer,
    writer_engine,
)
from trending_now.publish.lineage import data_version, model_fingerprint, registered_version

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishResult:
    """What a publish built and where the pointer now leads."""

    build: Path
    pointer: Path
    movies: int
    reviews: int
    enriched: int
    predicted: int
    data_version: str
    model_name: str | None
    model_version: str | None
    omitted: dict[str, str] = field(default_factory=dict)  # what was left out, and why
    pruned: list[Path] = field(default_factory=list)


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
) -> _Model:
    """Predictions and card of the production model, or a card saying why there is none."""
    if model_dir is None or not (model_dir / "meta.json").exists():
        reason = f"no trained model at {model_dir}" if model_dir else "no model configured"
        return _Model(None, None, None, {"reason": reason})
    card = model_card(model_dir, metrics_file)
    name = str(card["meta"]["name"])
    version = registered_version(repo, name) or f"unregistered-{model_fingerprint(model_dir)}"
    return _Model(name, version, predict_genres(model_dir, movies, reviews), card)


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
) -> PublishResult:
    """Build a new serving database from what the pipeline produced and make it current."""
    pointer = sqlite_pointer(db_url)
    movies = pd.read_parquet(validated_dir / "movies.parquet")
    reviews = pd.read_parquet(validated_dir / "reviews.parquet")
    model = _model(model_dir, movies, reviews, metrics_file=metrics_file, repo=repo)
    enrichments = read_enrichments(enriched_dir)
    now = datetime.now(UTC)
    lineage = Lineage(data_version(raw_dvc, validated_dir), model.name, model.version, now)
    omitted = {"predictions": str(model.card["reason"])} if model.name is None else {}
    rows = movie_rows(movies, model.predictions, enrichments, lineage)
    links = review_rows(reviews, {m.id for m in rows}, params)
    pointer.parent.mkdir(parents=True, exist_ok=True)
    build = build_path(pointer, now)
    info = {"counts": {"movies": len(rows), "reviews": len(links)}, "omitted": omitted}
    _write_build(build, [*rows, *links, *facet_rows(rows)], model, lineage, info)
    swap_pointer(pointer, build)
    pruned = prune_builds(pointer, params.keep_builds)
    log.info("published %d movies to %s (model %s)", len(rows), build.name, model.version)
    return PublishResult(
        build=build, pointer=pointer, movies=len(rows), reviews=len(links),
        enriched=sum(m.is_enriched for m in rows),
        predicted=sum(m.predicted_genres is not None for m in rows),
        data_version=lineage.data_version, model_name=model.name,
        model_version=model.version, omitted=omitted, pruned=pruned,
    )  # fmt: skip


def _write_build(
    build: Path, rows: list[Any], model: _Model, lineage: Lineage, info: dict[str, Any]
) -> None:
    """Create and fill one build file; a failure deletes it, so it never becomes current."""
    engine = writer_engine(build)
    try:
        Base.metadata.create_all(engine)
        with Session(engine, expire_on_commit=False) as session, session.begin():
            session.add_all(rows)
            session.add(ModelCard(id=1, model_name=model.name, model_version=model.version,
                                  card=model.card))  # fmt: skip
            session.add(PublishInfo(id=1, data_version=lineage.data_version,
                                    published_at=lineage.published_at, details=info))  # fmt: skip
    except BaseException:
        engine.dispose()
        build.unlink(missing_ok=True)
        raise
    engine.dispose()
