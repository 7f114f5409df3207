"""Train stage: genre classifiers fitted on train, thresholds tuned on valid (never test).

genre-xgb with `train.xgb.selection_folds >= 2` selects out of fold on train+valid instead and
refits on both (train/xgb.py); it brings its own thresholds (`OutOfFoldTuned`).

Inputs: `<features_dir>/documents.parquet` (this stage reads only the train and valid rows),
`labels.json`, `features.json`.
Outputs: `<models_dir>/<name>/` per model in `train.models` (model files, `thresholds.json`,
`meta.json`); the evaluate stage scores them on test afterwards. Every run is a tracker run
(config, validation metrics, the models as artifacts).
Params: the `train:` block (`TrainParams`; the entry applies fast mode) and the top-level `seed`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trending_now.config import TrainParams
from trending_now.features.io import (
    DOCUMENTS_FILE,
    FEATURES_CONFIG_FILE,
    LABELS_FILE,
    load_documents,
    load_features_config,
    load_labels,
)
from trending_now.features.labels import label_matrix
from trending_now.features.text import Documents
from trending_now.tracking.base import Tracker, run_config
from trending_now.train.base import (
    OutOfFoldTuned,
    ThresholdedModel,
    macro_f1_tuned,
    tune_thresholds,
)
from trending_now.train.models import make_classifier, save_model

log = logging.getLogger(__name__)

SELECTION_SPLITS = ("train", "valid")


@dataclass(frozen=True)
class SelectionData:
    """What model fitting, search and threshold tuning may see: train and valid, never test."""

    genres: list[str]
    train: Documents
    y_train: np.ndarray
    valid: Documents
    y_valid: np.ndarray


@dataclass(frozen=True)
class FittedModel:
    """A selected, thresholded model with its validation score and fit time."""

    model: ThresholdedModel
    valid_macro_f1: float
    seconds: float


@dataclass(frozen=True)
class TrainResult:
    """Per model: its directory, validation macro-F1 and fit seconds."""

    model_dirs: dict[str, Path]
    valid_macro_f1: dict[str, float]
    seconds: dict[str, float]


def load_selection_data(
    features_dir: Path, *, max_train_movies: int | None = None, seed: int
) -> SelectionData:
    """Train and valid documents with label matrices; train optionally subsampled (seeded)."""
    genres = load_labels(features_dir).genres
    docs = load_documents(features_dir, splits=SELECTION_SPLITS)
    train = docs[docs["split"] == "train"].reset_index(drop=True)
    valid = docs[docs["split"] == "valid"].reset_index(drop=True)
    if max_train_movies is not None and len(train) > max_train_movies:
        keep = np.random.default_rng(seed).choice(len(train), max_train_movies, replace=False)
        train = train.iloc[np.sort(keep)].reset_index(drop=True)
    return SelectionData(
        genres=genres,
        train=train,
        y_train=label_matrix(train["genres"], genres),
        valid=valid,
        y_valid=label_matrix(valid["genres"], genres),
    )


def fit_and_tune(
    name: str,
    data: SelectionData,
    params: TrainParams,
    *,
    seed: int,
    embedding_cache: Path | None = None,
) -> FittedModel:
    """Fit one model on train (selecting on valid) and tune its per-genre thresholds on valid.

    A model that selects out of fold on train+valid (genre-xgb with `selection_folds >= 2`)
    brings its own thresholds and its cross-fitted out-of-fold macro-F1 instead.
    """
    started = time.monotonic()
    classifier = make_classifier(
        name, data.genres, params, seed=seed, embedding_cache=embedding_cache
    )
    classifier.fit(data.train, data.y_train, data.valid, data.y_valid)
    if isinstance(classifier, OutOfFoldTuned) and classifier.oof_thresholds is not None:
        # Refitted on train+valid: its valid probabilities are in-sample, its own choice stands.
        thresholds = np.asarray(classifier.oof_thresholds, dtype=float)
        score = float(classifier.oof_macro_f1 or 0.0)
    else:
        proba_valid = classifier.predict_proba(data.valid)
        thresholds = tune_thresholds(data.y_valid, proba_valid, params.threshold_grid)
        score = macro_f1_tuned(data.y_valid, proba_valid, params.threshold_grid)
    return FittedModel(
        model=ThresholdedModel(classifier=classifier, thresholds=thresholds),
        valid_macro_f1=score,
        seconds=time.monotonic() - started,
    )


def run_stage(
    *,
    features_dir: Path,
    models_dir: Path,
    params: TrainParams,
    seed: int,
    tracker: Tracker,
    repo_dir: Path,
    only: Sequence[str] | None = None,
    embedding_cache: Path | None = None,
) -> TrainResult:
    """Train the models in `params.models` (or `only` those) and save them; the evaluate stage
    scores them on test afterwards. `embedding_cache`: where MiniLM document vectors are cached
    (None: encoded afresh)."""
    if only is not None:
        unknown = sorted(set(only) - set(params.models))
        if unknown:
            raise ValueError(f"models {unknown} are not in train.models {params.models}")
        params = params.model_copy(update={"models": [m for m in params.models if m in only]})
    data = load_selection_data(features_dir, max_train_movies=params.max_train_movies, seed=seed)
    data_files = [features_dir / f for f in (DOCUMENTS_FILE, LABELS_FILE, FEATURES_CONFIG_FILE)]
    config = run_config(
        {"seed": seed, "train": params.model_dump()}, data_files=data_files, repo_dir=repo_dir
    )
    with tracker.start_run("train", config):
        fitted = _fit_all(
            data,
            params,
            seed=seed,
            models_dir=models_dir,
            features_config=load_features_config(features_dir),
            tracker=tracker,
            embedding_cache=embedding_cache,
        )
        for name in fitted:
            tracker.log_artifact(models_dir / name, name=name, type="model")
    return TrainResult(
        model_dirs={name: models_dir / name for name in fitted},
        valid_macro_f1={name: f.valid_macro_f1 for name, f in fitted.items()},
        seconds={name: f.seconds for name, f in fitted.items()},
    )


def _fit_all(
    data: SelectionData,
    params: TrainParams,
    *,
    seed: int,
    models_dir: Path,
    features_config: dict[str, object],
    tracker: Tracker,
    embedding_cache: Path | None = None,
) -> dict[str, FittedModel]:
    """Fit, tune and save each model; log its validation score and time."""
    fitted: dict[str, FittedModel] = {}
    for name in params.models:
        fitted[name] = fit_and_tune(name, data, params, seed=seed, embedding_cache=embedding_cache)
        save_model(fitted[name].model, models_dir / name, features_config=features_config)
        tracker.log_metrics(
            {
                f"valid/{name}/macro_f1": fitted[name].valid_macro_f1,
                f"time/{name}/fit_seconds": fitted[name].seconds,
            }
        )
        log.info(
            "%s: valid macro-F1 %.4f in %.1f s",
            name,
            fitted[name].valid_macro_f1,
            fitted[name].seconds,
        )
    return fitted
