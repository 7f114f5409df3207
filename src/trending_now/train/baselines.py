"""Baselines in the same interface: the genre prior and TF-IDF + logistic regression."""

from __future__ import annotations

from pathlib import Path
from typing import Self

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion

from trending_now.config import LogregParams
from trending_now.train.base import (
    Documents,
    configured_from_meta,
    read_meta,
    write_configured_meta,
    write_meta,
)
from trending_now.train.tfidf import make_vectorizer

_VECTORIZER_FILE = "vectorizer.joblib"
_ESTIMATOR_FILE = "ovr_logreg.joblib"


class PriorClassifier:
    """Predicts each genre's training prevalence for every movie (text is ignored)."""

    name = "baseline-prior"

    def __init__(self, genres: list[str]) -> None:
        self.genres = list(genres)
        self.prior = np.zeros(len(self.genres))

    def fit(
        self, train: Documents, y_train: np.ndarray, valid: Documents, y_valid: np.ndarray
    ) -> Self:
        """Learn the training prevalence of each genre."""
        self.prior = np.asarray(y_train, dtype=float).mean(axis=0)
        return self

    def predict_proba(self, docs: Documents) -> np.ndarray:
        """The prior, repeated for each document."""
        proba: np.ndarray = np.tile(self.prior, (len(docs), 1))
        return proba

    def save(self, path: Path) -> None:
        """Write meta.json holding the prior."""
        path.mkdir(parents=True, exist_ok=True)
        write_meta(path, name=self.name, genres=self.genres, params={}, prior=self.prior.tolist())

    @classmethod
    def load(cls, path: Path) -> Self:
        """The prior classifier saved at `path`."""
        meta = read_meta(path)
        model = cls(meta["genres"])
        model.prior = np.asarray(meta["prior"], dtype=float)
        return model


class LogregClassifier:
    """TF-IDF + one-vs-rest logistic regression with balanced class weights."""

    name = "baseline-logreg"

    def __init__(self, genres: list[str], params: LogregParams, *, seed: int) -> None:
        self.genres = list(genres)
        self.params = params
        self.seed = seed
        self.vectorizer: FeatureUnion = make_vectorizer(params.tfidf)
        self.estimator = OneVsRestClassifier(
            LogisticRegression(
                C=params.c,
                class_weight="balanced",
                solver="liblinear",
                max_iter=params.max_iter,
                random_state=seed,
            )
        )

    def fit(
        self, train: Documents, y_train: np.ndarray, valid: Documents, y_valid: np.ndarray
    ) -> Self:
        """Fit the vectoriser and the per-genre regressions on train (valid is unused)."""
        x_train = self.vectorizer.fit_transform(train["text"])
        self.estimator.fit(x_train, np.asarray(y_train))
        return self

    def predict_proba(self, docs: Documents) -> np.ndarray:
        """Per-genre probabilities."""
        proba = self.estimator.predict_proba(self.vectorizer.transform(docs["text"]))
        clipped: np.ndarray = np.clip(np.asarray(proba, dtype=float), 0.0, 1.0)
        return clipped

    def save(self, path: Path) -> None:
        """Write the vectoriser, the estimator (joblib) and meta.json."""
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.vectorizer, path / _VECTORIZER_FILE)
        joblib.dump(self.estimator, path / _ESTIMATOR_FILE)
        write_configured_meta(path, self)

    @classmethod
    def load(cls, path: Path) -> Self:
        """The logistic-regression baseline saved at `path` (a trusted, local directory)."""
        model, _ = configured_from_meta(cls, LogregParams, path)
        model.vectorizer = joblib.load(path / _VECTORIZER_FILE)
        model.estimator = joblib.load(path / _ESTIMATOR_FILE)
        return model
