"""The features stage reads validated tables and writes documents, labels and its params."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from tests.utils.factories import make_validated
from trending_now.config import FeaturesParams
from trending_now.features import run_stage


def test_run_stage_writes_documents_labels_and_params(tmp_path: Path) -> None:
    movies, reviews = make_validated(50)
    validated = tmp_path / "validated"
    validated.mkdir()
    movies.to_parquet(validated / "movies.parquet")
    reviews.to_parquet(validated / "reviews.parquet")
    params = FeaturesParams(min_genre_support=5, popularity_tiers=3)
    result = run_stage(
        validated_dir=validated, out_dir=tmp_path / "features", params=params, seed=3
    )

    docs = pd.read_parquet(result.documents_path)
    assert list(docs.columns) == [
        "id", "text", "genres", "original_language", "release_year", "decade", "popularity",
        "split", "popularity_tier",
    ]  # fmt: skip
    assert len(docs) == 50 and docs["id"].is_unique
    assert sum(result.split_counts.values()) == 50
    assert set(docs["popularity_tier"]) == {1, 2, 3}
    labels = json.loads(result.labels_path.read_text())
    assert labels["excluded"] == {"Western": 2}
    assert labels["genres"] == result.labels.genres
    saved = json.loads((tmp_path / "features" / "features.json").read_text())
    assert FeaturesParams.model_validate(saved) == params
