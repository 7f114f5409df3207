"""Reproducibility evidence: train the candidate a second time and compare its predictions.

Two strategies, chosen by `gate.repro_strategy` (auto picks by training-set size):
- `refit`: train the candidate again from the version's recorded config (params.yaml: seed,
  TF-IDF, stacking, blend, threshold grid, fast-mode subsample) on the same training documents,
  with XGBoost's search pinned to the hyperparameters it selected (from meta.json: every search
  candidate is fitted independently from the same seed, so this must give the saved model's
  exact probabilities), and compare with the saved model. Strong (the artifact itself is
  reproduced) but it costs a training without the search: seconds in fast mode, about 3-5
  minutes on the full data on 2 cores (the TF-IDF and stacking fits dominate).
- `fast_twice`: two fast-mode trainings (the CI configuration) compared with each other, plus the
  saved model's recorded config (seed, non-searched params, feature params) checked against the
  version's: the code is deterministic and the artifact claims the version's config. BERT always
  uses this; a full fine-tune is far too slow to repeat at the gate.
The full rebuild, search included, is `make reproduce MODEL=<name>@<version>`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from trending_now.config import LogregParams, TrainParams, XgbParams, XgbSearchParams
from trending_now.evaluate import TEST_SPLIT
from trending_now.features.io import load_documents, load_features_config
from trending_now.train import fit_and_tune, load_selection_data
from trending_now.train.base import ThresholdedModel, read_meta
from trending_now.train.models import BERT_NAME, load_model

XGB_NAME, LOGREG_NAME = "genre-xgb", "baseline-logreg"
# The XgbParams fields the random search varies (whatever the search space defines).
_SEARCHED = sorted(set(XgbSearchParams.model_fields) & set(XgbParams.model_fields))


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a - b|; a NaN on one side only (or a shape mismatch) is an infinite difference."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return float("inf")
    both_nan = np.isnan(a) & np.isnan(b)
    diff = np.where(both_nan, 0.0, np.abs(a - b))
    diff = np.where(np.isnan(diff), np.inf, diff)
    return float(diff.max()) if diff.size else 0.0


def refit_params(train: TrainParams, meta: dict[str, Any], *, fast: bool) -> TrainParams:
    """The version's train params, fast mode applied, the search pinned to the selected point."""
    effective = train.in_fast_mode() if fast else train
    if meta.get("name") != XGB_NAME:
        return effective
    selected = {k: meta["params"][k] for k in _SEARCHED if k in (meta.get("params") or {})}
    search = effective.xgb.search.model_copy(update={"iterations": 1})
    xgb = effective.xgb.model_copy(update={**selected, "search": search})
    return effective.model_copy(update={"xgb": xgb})


def config_mismatches(
    meta: dict[str, Any], train: TrainParams, features: dict[str, Any], *, seed: int, fast: bool
) -> list[str]:
    """Where the saved model's recorded config differs from the version's (params.yaml)."""
    found = []
    if "seed" in meta and meta["seed"] != seed:
        found.append(f"seed {meta['seed']} (model) != {seed} (params)")
    if meta.get("features") and meta["features"] != features:
        found.append(f"features {meta['features']} (model) != {features} (features stage)")
    expected = refit_params(train, meta, fast=fast)
    saved: dict[str, Any] = {}
    wanted: dict[str, Any] = {}
    if meta.get("name") == XGB_NAME:
        saved = XgbParams.model_validate(meta["params"]).model_dump(exclude={"search"})
        wanted = expected.xgb.model_dump(exclude={"search"})
    elif meta.get("name") == LOGREG_NAME:
        saved = LogregParams.model_validate(meta["params"]).model_dump()
        wanted = expected.logreg.model_dump()
    found += [
        f"{key}: {saved[key]!r} (model) != {wanted.get(key)!r} (params)"
        for key in sorted(saved)
        if saved[key] != wanted.get(key)
    ]
    return found


def _fit(name: str, features_dir: Path, params: TrainParams, *, seed: int) -> ThresholdedModel:
    """One training of `name` on the (possibly subsampled) train split, tuned on valid."""
    data = load_selection_data(features_dir, max_train_movies=params.max_train_movies, seed=seed)
    return fit_and_tune(name, data, params, seed=seed).model


def _compare(first: ThresholdedModel, second: ThresholdedModel, docs: Any) -> dict[str, Any]:
    """Probability and decision agreement of two models on the same documents."""
    proba_a, dec_a = first.predict(docs)
    proba_b, dec_b = second.predict(docs)
    return {
        "n_docs": len(docs),
        "max_abs_diff": max_abs_diff(proba_a, proba_b),
        "decisions_equal": bool(np.array_equal(dec_a, dec_b)),
        "thresholds_equal": bool(np.array_equal(first.thresholds, second.thresholds)),
    }


def choose_strategy(name: str, train_movies: int, *, strategy: str, refit_max_movies: int) -> str:
    """`refit` or `fast_twice` (BERT is never refitted: a full fine-tune is too slow)."""
    if name == BERT_NAME:
        return "fast_twice"
    if strategy != "auto":
        return strategy
    return "refit" if train_movies <= refit_max_movies else "fast_twice"


def reproduce_candidate(
    model_dir: Path,
    features_dir: Path,
    train: TrainParams,
    *,
    seed: int,
    fast: bool,
    strategy: str = "auto",
    refit_max_movies: int = 1000,
) -> dict[str, Any]:
    """Evidence for the reproducibility check (see the module docstring for the strategies)."""
    started = time.monotonic()
    meta = read_meta(model_dir)
    name = str(meta["name"])
    n_train = len(load_documents(features_dir, splits=("train",)))
    limit = (train.in_fast_mode() if fast else train).max_train_movies
    effective_train = min(n_train, limit) if limit is not None else n_train
    chosen = choose_strategy(
        name, effective_train, strategy=strategy, refit_max_movies=refit_max_movies
    )
    evidence: dict[str, Any] = {"strategy": chosen, "model": name, "seed": seed}
    evidence |= {"fast": fast, "train_movies": effective_train}
    test_docs = load_documents(features_dir, splits=(TEST_SPLIT,))
    try:
        mismatches = config_mismatches(
            meta, train, load_features_config(features_dir), seed=seed, fast=fast
        )
        if chosen == "refit":
            first = load_model(model_dir)
            second = _fit(name, features_dir, refit_params(train, meta, fast=fast), seed=seed)
        else:  # the CI configuration as it stands (search included), not the selected point
            params = train.in_fast_mode()
            first = _fit(name, features_dir, params, seed=seed)
            second = _fit(name, features_dir, params, seed=seed)
        comparison = _compare(first, second, test_docs)
    except Exception as exc:  # a failed retraining is evidence, not a crash
        return {**evidence, "error": f"{type(exc).__name__}: {exc}"}
    return {
        **evidence,
        "compared": (
            "the saved model vs a refit from the recorded config"
            if chosen == "refit"
            else "two fast-mode trainings with each other"
        ),
        "config_mismatches": mismatches,
        "seconds": round(time.monotonic() - started, 2),
        **comparison,
    }
