"""The train stage: fit on train, tune on valid, save (never test); then one evaluation; tracked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

import trending_now.train as train_stage
from tests.utils.factories import make_validated
from tests.utils.training import train_and_evaluate
from trending_now.config import (
    EvaluateParams,
    FeaturesParams,
    TfidfParams,
    TrainParams,
    load_params,
)
from trending_now.evaluate import EvaluationReport
from trending_now.features import run_stage as features_run_stage
from trending_now.features.snapshot import load_snapshot
from trending_now.io import atomic_write_parquet
from trending_now.tracking import NullTracker, get_tracker
from trending_now.train.base import GenreClassifier

ROOT = Path(__file__).resolve().parents[3]
QUICK = TrainParams(
    models=["baseline-prior", "baseline-logreg"],
    logreg=TrainParams().logreg.model_copy(
        update={"tfidf": TfidfParams(min_df=1, char_max_features=0)}
    ),
)


def _features(root: Path, movies: Any, reviews: Any, params: FeaturesParams) -> Path:
    atomic_write_parquet(root / "validated" / "movies.parquet", movies)
    atomic_write_parquet(root / "validated" / "reviews.parquet", reviews)
    features_run_stage(validated_dir=root / "validated", out_dir=root / "features",
                       params=params, seed=0)  # fmt: skip
    return root / "features"


@pytest.fixture(scope="module")
def features_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    movies, reviews = make_validated(80, seed=2)
    return _features(tmp_path_factory.mktemp("f"), movies, reviews,
                     FeaturesParams(min_genre_support=5))  # fmt: skip


def _run(
    root: Path, features_dir: Path, params: TrainParams, tracker: Any
) -> dict[str, EvaluationReport]:
    """Train, then the evaluate stage on test (as DVC runs them); the test reports."""
    return train_and_evaluate(
        root,
        features_dir,
        params,
        EvaluateParams(min_language_movies=2),
        seed=0,
        tracker=tracker,
        embedding_cache=root / "embeddings",
    )


def test_training_writes_models_and_never_scores_test(tmp_path: Path, features_dir: Path) -> None:
    trained = train_stage.run_stage(features_dir=features_dir, models_dir=tmp_path / "models",
                                    params=QUICK, seed=0, tracker=NullTracker(),
                                    repo_dir=tmp_path)  # fmt: skip
    assert set(trained.model_dirs) == set(QUICK.models)
    assert all((d / "thresholds.json").exists() for d in trained.model_dirs.values())
    assert not (tmp_path / "metrics").exists() and not (tmp_path / "plots").exists()


class _Recording:
    """Wraps a classifier and records every document id it is shown."""

    seen: ClassVar[set[int]] = set()

    def __init__(self, inner: GenreClassifier) -> None:
        self.inner, self.name, self.genres = inner, inner.name, inner.genres

    def fit(self, train: Any, y_train: Any, valid: Any, y_valid: Any) -> _Recording:
        self.seen.update(train["id"], valid["id"])
        self.inner.fit(train, y_train, valid, y_valid)
        return self

    def predict_proba(self, docs: Any) -> np.ndarray:
        self.seen.update(docs["id"])
        return self.inner.predict_proba(docs)

    def save(self, path: Path) -> None:
        self.inner.save(path)


def test_selection_never_sees_test_movies_and_test_is_scored_once(
    tmp_path: Path, features_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = train_stage.make_classifier
    monkeypatch.setattr(train_stage, "make_classifier", lambda *a, **k: _Recording(real(*a, **k)))
    reports = _run(tmp_path, features_dir, QUICK, NullTracker())

    import pandas as pd

    docs = pd.read_parquet(features_dir / "documents.parquet")
    test_ids = set(docs.loc[docs["split"] == "test", "id"])
    assert _Recording.seen and not _Recording.seen & test_ids
    assert set(reports) == {"baseline-prior", "baseline-logreg"}
    for name, report in reports.items():
        assert report.overall.n_movies == len(test_ids)
        saved = json.loads((tmp_path / "metrics" / f"{name}.json").read_text())
        assert saved["overall"]["macro_f1"] == pytest.approx(report.overall.macro_f1)
        assert (tmp_path / "models" / name / "thresholds.json").exists()
        assert (tmp_path / "plots" / name / "per_genre_f1.json").exists()
    logreg = reports["baseline-logreg"].overall.macro_f1
    assert logreg > reports["baseline-prior"].overall.macro_f1


def test_fast_mode_merges_the_fast_block_over_the_train_block() -> None:
    fast_block = {"max_train_movies": 40, "xgb": {"n_estimators": 7, "search": {"iterations": 1}}}
    params = TrainParams(fast=fast_block)
    fast = params.in_fast_mode()
    assert fast.xgb.search.iterations == 1 and fast.xgb.n_estimators == 7
    assert fast.max_train_movies == 40
    # untouched fields keep their values, nested ones included
    assert fast.xgb.search.max_depth == params.xgb.search.max_depth
    assert fast.xgb.tfidf == params.xgb.tfidf
    assert TrainParams(fast={}).in_fast_mode() == TrainParams(fast={})


def test_a_bad_fast_block_fails_when_params_load() -> None:
    with pytest.raises(ValueError, match="n_estimatorz"):
        TrainParams(fast={"xgb": {"n_estimatorz": 7}})
    with pytest.raises(ValueError, match="max_train_movies"):
        TrainParams(fast={"max_train_movies": 3})


def test_the_shipped_fast_block_is_a_small_run() -> None:
    fast = load_params(ROOT / "params.yaml").train.in_fast_mode()
    assert fast.max_train_movies is not None and fast.max_train_movies <= 200
    assert fast.xgb.search.iterations <= 2 and fast.bert.epochs == 1


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["wandb", "mlflow"])
def test_a_tracked_training_run_writes_local_run_files(
    kind: str, tmp_path: Path, features_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("WANDB_MODE", "offline")
    _run(tmp_path, features_dir, QUICK, get_tracker(kind, tmp_path / "var"))
    if kind == "wandb":
        runs = list((tmp_path / "var" / "wandb" / "runs" / "wandb").glob("offline-run-*"))
        assert len(runs) == 1 and list(runs[0].glob("run-*.wandb"))
    else:
        assert (tmp_path / "var" / "mlruns" / "mlflow.db").exists()
        assert list((tmp_path / "var" / "mlruns" / "artifacts").rglob("thresholds.json"))
    assert list(home.iterdir()) == []


@pytest.mark.model
@pytest.mark.slow
def test_xgb_beats_the_prior_on_a_real_slice_in_fast_mode(tmp_path: Path) -> None:
    params = load_params(ROOT / "params.yaml")
    movies, reviews = load_snapshot(ROOT / "data" / "snapshot" / "movies.jsonl.xz")
    movies = movies.sample(n=200, random_state=0).reset_index(drop=True)
    reviews = reviews[reviews["movie_id"].isin(movies["id"])]
    features = _features(tmp_path, movies, reviews, params.features)
    fast = params.train.in_fast_mode()
    fast = fast.model_copy(
        update={
            "models": ["genre-xgb", "baseline-prior"],
            "xgb": fast.xgb.model_copy(
                update={
                    "n_jobs": 1,
                    "stack_folds": 3,
                    "features_per_genre": 300,
                    "search": fast.xgb.search.model_copy(update={"iterations": 1}),
                    "tfidf": fast.xgb.tfidf.model_copy(update={"char_max_features": 0}),
                }
            ),
        }
    )
    reports = _run(tmp_path, features, fast, NullTracker())
    xgb = reports["genre-xgb"].overall
    prior = reports["baseline-prior"].overall
    assert xgb.macro_f1 > prior.macro_f1 + 0.1
    assert xgb.micro_f1 > prior.micro_f1
