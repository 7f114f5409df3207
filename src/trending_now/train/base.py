"""The genre classifier interface, the shared decision rule and per-genre threshold tuning."""

from __future__ import annotations

import json
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar, runtime_checkable

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from trending_now.features.text import Documents
from trending_now.io import atomic_write_json

__all__ = ["Documents", "GenreClassifier", "OutOfFoldTuned", "decide", "tune_thresholds"]

META_FILE = "meta.json"
THRESHOLDS_FILE = "thresholds.json"
DEFAULT_THRESHOLD = 0.5
_LIBRARIES = ("numpy", "pandas", "scikit-learn", "xgboost", "xgboost-cpu", "scipy")


class GenreClassifier(Protocol):
    """What evaluation, the gate and serving hold: fit / predict_proba / save / load."""

    name: str
    genres: list[str]

    def fit(
        self, train: Documents, y_train: np.ndarray, valid: Documents, y_valid: np.ndarray
    ) -> Self:
        """Fit on train; valid may be used for model selection, never test."""
        ...

    def predict_proba(self, docs: Documents) -> np.ndarray:
        """(n_docs, len(genres)) probabilities, finite, in [0, 1]."""
        ...

    def save(self, path: Path) -> None:
        """Write the model into the directory `path` (created if missing)."""
        ...

    @classmethod
    def load(cls, path: Path) -> Self:
        """The model saved at `path`."""
        ...


@runtime_checkable
class OutOfFoldTuned(Protocol):
    """A classifier that chose its own thresholds out of fold (on train+valid) while fitting.

    Its probabilities on valid are then in-sample, so the train stage must not tune on them:
    it takes `oof_thresholds` and reports `oof_macro_f1` (cross-fitted) as the selection score.
    Both are None when the classifier was fitted without out-of-fold selection.
    """

    oof_thresholds: np.ndarray | None
    oof_macro_f1: float | None


def decide(proba: np.ndarray, thresholds: np.ndarray) -> NDArray[np.bool_]:
    """Genre decisions: probability at or above the genre's threshold."""
    proba = np.asarray(proba, dtype=float)
    thresholds = np.asarray(thresholds, dtype=float)
    if proba.ndim != 2 or proba.shape[1] != thresholds.shape[0]:
        raise ValueError(f"proba {proba.shape} does not match {thresholds.shape[0]} thresholds")
    decisions: NDArray[np.bool_] = proba >= thresholds[np.newaxis, :]
    return decisions


def f1_per_threshold(y: np.ndarray, proba: np.ndarray, grid: Sequence[float]) -> np.ndarray:
    """F1 of every genre at every grid threshold: shape (len(grid), n_genres); 0 when undefined."""
    y_true = np.asarray(y).astype(bool)[np.newaxis, :, :]
    pred = np.asarray(proba)[np.newaxis, :, :] >= np.asarray(grid)[:, np.newaxis, np.newaxis]
    tp = (pred & y_true).sum(axis=1)
    fp = (pred & ~y_true).sum(axis=1)
    fn = (~pred & y_true).sum(axis=1)
    denominator = 2 * tp + fp + fn
    scores: np.ndarray = np.divide(
        2 * tp, denominator, out=np.zeros(tp.shape), where=denominator > 0
    )
    return scores


def tune_thresholds(
    y_valid: np.ndarray, proba_valid: np.ndarray, grid: Sequence[float]
) -> np.ndarray:
    """Per-genre threshold from `grid` maximising validation F1 (ties: the middle best one).

    A genre without positives in validation keeps the default 0.5: nothing to tune against.
    """
    scores = f1_per_threshold(y_valid, proba_valid, grid)
    grid_arr = np.asarray(grid, dtype=float)
    thresholds = np.full(scores.shape[1], DEFAULT_THRESHOLD)
    for j in range(scores.shape[1]):
        if np.asarray(y_valid)[:, j].any():
            best = np.flatnonzero(np.isclose(scores[:, j], scores[:, j].max()))
            thresholds[j] = grid_arr[best[len(best) // 2]]
    return thresholds


def macro_f1_tuned(y_valid: np.ndarray, proba_valid: np.ndarray, grid: Sequence[float]) -> float:
    """Validation macro-F1 after per-genre threshold tuning (the model-selection score)."""
    return float(f1_per_threshold(y_valid, proba_valid, grid).max(axis=0).mean())


@dataclass(frozen=True)
class ThresholdedModel:
    """A selected classifier with its validation-tuned per-genre thresholds."""

    classifier: GenreClassifier
    thresholds: np.ndarray

    @property
    def name(self) -> str:
        """The classifier's name."""
        return self.classifier.name

    @property
    def genres(self) -> list[str]:
        """Label order of the probability columns."""
        return self.classifier.genres

    def predict(self, docs: Documents) -> tuple[np.ndarray, NDArray[np.bool_]]:
        """(probabilities, decisions) for `docs`."""
        proba = self.classifier.predict_proba(docs)
        return proba, decide(proba, self.thresholds)


def library_versions() -> dict[str, str]:
    """Versions of Python and the numeric libraries a saved model depends on."""
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def write_meta(
    path: Path, *, name: str, genres: Sequence[str], params: dict[str, Any], **extra: Any
) -> None:
    """Write `meta.json`: name, genres, params, library versions and any extra fields."""
    meta = {
        "name": name,
        "genres": list(genres),
        "params": params,
        "libraries": library_versions(),
        **extra,
    }
    atomic_write_json(path / META_FILE, meta)


class Configured(Protocol):
    """A classifier configured by one params block and a seed (what its meta.json records)."""

    name: str
    genres: list[str]
    seed: int

    @property
    def params(self) -> BaseModel: ...


def write_configured_meta(path: Path, model: Configured, **extra: Any) -> None:
    """`meta.json` of a configured classifier: its name, genres, params block and seed."""
    write_meta(
        path,
        name=model.name,
        genres=model.genres,
        params=model.params.model_dump(),
        seed=model.seed,
        **extra,
    )


_Model_T = TypeVar("_Model_T")


def configured_from_meta(
    make: Callable[..., _Model_T], params_type: type[BaseModel], path: Path
) -> tuple[_Model_T, dict[str, Any]]:
    """An unfitted classifier built from a saved directory's meta.json, and that meta."""
    meta = read_meta(path)
    model = make(meta["genres"], params_type.model_validate(meta["params"]), seed=meta["seed"])
    return model, meta


def read_meta(path: Path) -> dict[str, Any]:
    """The `meta.json` of a saved model directory."""
    meta: dict[str, Any] = json.loads((path / META_FILE).read_text(encoding="utf-8"))
    return meta
