"""A published serving database in tmp_path, from factory frames and a prior model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from tests.utils.factories import make_validated
from trending_now.config import PublishParams, TrainParams
from trending_now.enrich.schema import Enrichment, enrichments_table
from trending_now.features.labels import label_matrix
from trending_now.features.text import build_documents
from trending_now.io import atomic_write_parquet
from trending_now.publish import PublishResult, run_stage
from trending_now.train.base import ThresholdedModel
from trending_now.train.models import make_classifier, save_model

GENRES = ["Drama", "Comedy", "Horror", "Animation"]


def write_inputs(root: Path, movies: pd.DataFrame, reviews: pd.DataFrame) -> None:
    """Validated tables under root/validated."""
    atomic_write_parquet(root / "validated" / "movies.parquet", movies)
    atomic_write_parquet(root / "validated" / "reviews.parquet", reviews)


def write_prior_model(root: Path, movies: pd.DataFrame, reviews: pd.DataFrame) -> Path:
    """A fitted baseline-prior model at root/models/baseline-prior."""
    docs = build_documents(movies, reviews, max_review_chars=2000)
    y = label_matrix(movies["genres"], GENRES)
    prior = make_classifier("baseline-prior", GENRES, TrainParams(), seed=0).fit(docs, y, docs, y)
    path = root / "models" / "baseline-prior"
    save_model(ThresholdedModel(prior, np.full(len(GENRES), 0.3)), path)
    return path


def enrichment(movie_id: int, *, score: int = 7, tags: tuple[str, ...] = ()) -> Enrichment:
    """One valid enrichment row for `movie_id`."""
    return Enrichment(
        movie_id=movie_id, summary="A tense and moving film. Critics loved the ending.",
        vibe_score=score, vibe_tags=list(tags or ("dark", "gritty", "slow-burn")),
        llm_genres=["Drama"], provider="embedded", model="all-MiniLM-L6-v2",
        prompt_version="embedded-v1", prompt_secret_version_id=None, content_hash="h",
        data_run_id="run-1", created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip


def write_enrichments(root: Path, rows: list[Enrichment]) -> None:
    """The enrich stage's table under root/enriched."""
    atomic_write_parquet(root / "enriched" / "enrichments.parquet", enrichments_table(rows))


def publish_small(root: Path, *, n: int = 12, with_model: bool = True) -> PublishResult:
    """Publish `n` factory movies (every other one enriched) into root/serving."""
    movies, reviews = make_validated(n, seed=1)
    movies["providers_flatrate"] = [["Netflix"] if i % 3 == 0 else [] for i in range(n)]
    write_inputs(root, movies, reviews)
    model_dir = write_prior_model(root, movies, reviews) if with_model else None
    ids = movies["id"].tolist()
    write_enrichments(root, [enrichment(m, score=1 + i % 10) for i, m in enumerate(ids[::2])])
    return run_stage(
        validated_dir=root / "validated", enriched_dir=root / "enriched", model_dir=model_dir,
        db_url=db_url(root), params=PublishParams(),
    )  # fmt: skip


def db_url(root: Path) -> str:
    """The serving pointer's URL under root."""
    return f"sqlite:///{root / 'serving' / 'current.sqlite3'}"
