"""The evaluate stage scores saved models on the test split only."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from tests.utils.factories import make_documents
from trending_now.config import EvaluateParams, TrainParams
from trending_now.evaluate import evaluate_on_test, run_stage
from trending_now.features.labels import apply_rare_genre_rule, label_matrix
from trending_now.io import atomic_write_json, atomic_write_parquet
from trending_now.train.base import ThresholdedModel
from trending_now.train.models import make_classifier, save_model


def _setup(tmp_path: Path) -> tuple[pd.DataFrame, list[str]]:
    docs = make_documents(60, seed=4)
    labels = apply_rare_genre_rule(docs["genres"], min_genre_support=5)
    atomic_write_parquet(tmp_path / "features" / "documents.parquet", docs)
    atomic_write_json(tmp_path / "features" / "labels.json", labels.model_dump())
    train = docs[docs["split"] == "train"]
    prior = make_classifier("baseline-prior", labels.genres, TrainParams(), seed=0)
    y = label_matrix(train["genres"], labels.genres)
    prior.fit(train, y, train, y)
    save_model(ThresholdedModel(prior, np.full(len(labels.genres), 0.01)),
               tmp_path / "models" / "baseline-prior")  # fmt: skip
    return docs, labels.genres


def test_run_stage_writes_metrics_and_plots_for_the_test_split(tmp_path: Path) -> None:
    docs, genres = _setup(tmp_path)
    result = run_stage(
        features_dir=tmp_path / "features",
        models_dir=tmp_path / "models",
        metrics_dir=tmp_path / "metrics",
        plots_dir=tmp_path / "plots",
        model_names=["baseline-prior"],
        params=EvaluateParams(),
    )
    metrics = json.loads((tmp_path / "metrics" / "baseline-prior.json").read_text())
    n_test = int((docs["split"] == "test").sum())
    assert metrics["split"] == "test" and metrics["overall"]["n_movies"] == n_test
    assert {"language=en", "language=non-en"} <= set(metrics["slices"])
    assert any(k.startswith("decade=") for k in metrics["slices"])
    assert any(k.startswith("popularity_tier=") for k in metrics["slices"])
    # threshold 0.01 on a positive prior: every genre predicted for every movie, recall 1
    assert all(g["recall"] == 1.0 for g in metrics["overall"]["per_genre"].values() if g["support"])
    assert sorted(p.name for p in (tmp_path / "plots" / "baseline-prior").iterdir()) == [
        "confusion.csv", "cooccurrence.csv", "per_genre_f1.csv", "per_genre_f1.json",
    ]  # fmt: skip
    assert result.reports["baseline-prior"].thresholds == dict.fromkeys(genres, 0.01)


def test_evaluate_on_test_returns_decisions_of_the_thresholded_model(tmp_path: Path) -> None:
    docs, genres = _setup(tmp_path)
    test = docs[docs["split"] == "test"]
    y = label_matrix(test["genres"], genres)
    prior = make_classifier("baseline-prior", genres, TrainParams(), seed=0).fit(test, y, test, y)
    strict = ThresholdedModel(prior, np.full(len(genres), 0.99))
    report, decisions = evaluate_on_test(strict, test, y, EvaluateParams())
    assert not decisions.any()
    assert report.overall.micro_f1 == 0.0
