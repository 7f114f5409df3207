"""Build, save and load the genre classifiers by name; thresholds travel with the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from trending_now.config import TrainParams
from trending_now.io import atomic_directory, atomic_write_json
from trending_now.train.base import (
    META_FILE,
    THRESHOLDS_FILE,
    GenreClassifier,
    ThresholdedModel,
    read_meta,
)
from trending_now.train.baselines import LogregClassifier, PriorClassifier
from trending_now.train.xgb import XgbGenreClassifier

BERT_NAME = "genre-bert"  # imported lazily: torch and transformers cost seconds to import

CLASSIFIERS: dict[str, type[GenreClassifier]] = {
    XgbGenreClassifier.name: XgbGenreClassifier,
    PriorClassifier.name: PriorClassifier,
    LogregClassifier.name: LogregClassifier,
}
KNOWN_MODELS = frozenset({*CLASSIFIERS, BERT_NAME})


def classifier_class(name: str) -> type[GenreClassifier]:
    """The classifier class registered under `name`."""
    if name == BERT_NAME:
        from trending_now.train.bert import BertGenreClassifier

        return BertGenreClassifier
    if name not in CLASSIFIERS:
        raise ValueError(f"unknown model {name!r}; known: {sorted(KNOWN_MODELS)}")
    return CLASSIFIERS[name]


def make_classifier(
    name: str,
    genres: list[str],
    params: TrainParams,
    *,
    seed: int,
    embedding_cache: Path | None = None,
) -> GenreClassifier:
    """An unfitted classifier of the given name, configured from the `train:` params.

    `embedding_cache`: where genre-xgb caches MiniLM document vectors (None: no cache).
    """
    if name == XgbGenreClassifier.name:
        return XgbGenreClassifier(
            genres,
            params.xgb,
            seed=seed,
            threshold_grid=params.threshold_grid,
            embedding_cache=embedding_cache,
        )
    if name == LogregClassifier.name:
        return LogregClassifier(genres, params.logreg, seed=seed)
    if name == PriorClassifier.name:
        return PriorClassifier(genres)
    if name == BERT_NAME:
        from trending_now.train.bert import BertGenreClassifier

        return BertGenreClassifier(
            genres,
            params.bert,
            seed=seed,
            threshold_grid=params.threshold_grid,
        )
    raise ValueError(f"unknown model {name!r}; known: {sorted(KNOWN_MODELS)}")


def save_model(
    model: ThresholdedModel, path: Path, *, features_config: dict[str, Any] | None = None
) -> None:
    """Replace the directory `path` with the model files, thresholds.json and meta.json.

    `features_config` (the `features:` params the training documents were built with) goes
    into meta.json so that predict builds documents for new movies the same way.
    """
    thresholds = {g: float(t) for g, t in zip(model.genres, model.thresholds, strict=True)}
    with atomic_directory(path) as staging:
        model.classifier.save(staging)
        atomic_write_json(staging / THRESHOLDS_FILE, thresholds)
        meta = read_meta(staging)
        extra = {"thresholds": thresholds, "features": features_config or {}}
        atomic_write_json(staging / META_FILE, {**meta, **extra})


def load_model(path: Path, *, embedding_cache: Path | None = None) -> ThresholdedModel:
    """The classifier saved at `path` (its class from meta.json) with its thresholds.

    `embedding_cache`: where a model that reads MiniLM embeddings caches them (None: no cache).
    """
    name = read_meta(path)["name"]
    if name not in KNOWN_MODELS:
        raise ValueError(f"{path}: unknown model {name!r}; known: {sorted(KNOWN_MODELS)}")
    classifier = classifier_class(name).load(path)
    if isinstance(classifier, XgbGenreClassifier):
        classifier.embedding_cache = embedding_cache
    saved = json.loads((path / THRESHOLDS_FILE).read_text(encoding="utf-8"))
    thresholds = np.array([saved[g] for g in classifier.genres], dtype=float)
    return ThresholdedModel(classifier=classifier, thresholds=thresholds)
