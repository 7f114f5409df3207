"""Features stage: one cleaned document per movie, the genre label set and a grouped split.

Inputs: `<validated_dir>/movies.parquet` and `reviews.parquet` (the validated schema).
Outputs: `<out_dir>/documents.parquet` (id, text, genres, original_language, release_year,
decade, popularity, popularity_tier, split in {"train", "valid", "test"}) and
`<out_dir>/labels.json` (kept genres with counts, `excluded` genres with counts) and
`<out_dir>/features.json` (the params used: predict rebuilds documents with the same ones).
Params: the `features:` block (`FeaturesParams`) and the top-level `seed`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from trending_now.config import FeaturesParams
from trending_now.features.io import DOCUMENTS_FILE, FEATURES_CONFIG_FILE, LABELS_FILE
from trending_now.features.labels import LabelSet, apply_rare_genre_rule, label_matrix
from trending_now.features.split import assign_splits, popularity_tiers
from trending_now.features.text import Documents, build_documents
from trending_now.io import atomic_write_json, atomic_write_parquet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeaturesResult:
    """What the features stage wrote."""

    documents_path: Path
    labels_path: Path
    labels: LabelSet
    split_counts: dict[str, int]


def make_features(
    movies_df: pd.DataFrame, reviews_df: pd.DataFrame, params: FeaturesParams, *, seed: int
) -> tuple[Documents, LabelSet]:
    """Documents with split and popularity tier, and the label set after the rare-genre rule."""
    docs = build_documents(
        movies_df,
        reviews_df,
        max_review_chars=params.max_review_chars,
        max_reviews=params.max_reviews,
    )
    docs = docs.sort_values("id", kind="mergesort").reset_index(drop=True)
    labels = apply_rare_genre_rule(docs["genres"], min_genre_support=params.min_genre_support)
    y = label_matrix(docs["genres"], labels.genres)
    docs["split"] = assign_splits(
        docs["id"].to_numpy(),
        y,
        valid_fraction=params.valid_fraction,
        test_fraction=params.test_fraction,
        seed=seed,
    )
    is_train = docs["split"] == "train"
    docs["popularity_tier"] = popularity_tiers(
        docs["popularity"], is_train, tiers=params.popularity_tiers
    )
    return docs, labels


def run_stage(
    *, validated_dir: Path, out_dir: Path, params: FeaturesParams, seed: int
) -> FeaturesResult:
    """Read the validated tables, build features, write documents.parquet and labels.json."""
    movies = pd.read_parquet(validated_dir / "movies.parquet")
    reviews = pd.read_parquet(validated_dir / "reviews.parquet")
    docs, labels = make_features(movies, reviews, params, seed=seed)
    atomic_write_parquet(out_dir / DOCUMENTS_FILE, docs)
    atomic_write_json(out_dir / LABELS_FILE, labels.model_dump())
    atomic_write_json(out_dir / FEATURES_CONFIG_FILE, params.model_dump())
    counts = {str(k): int(v) for k, v in docs["split"].value_counts().sort_index().items()}
    log.info(
        "features: %d documents %s, %d genres, excluded %s",
        len(docs),
        counts,
        len(labels.genres),
        labels.excluded,
    )
    return FeaturesResult(
        documents_path=out_dir / DOCUMENTS_FILE,
        labels_path=out_dir / LABELS_FILE,
        labels=labels,
        split_counts=counts,
    )
