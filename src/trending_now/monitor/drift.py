"""Evidently drift reports: the monitored columns, and the model's genre mix.

Every test here returns a p-value and a column drifts when it falls below its threshold
(`monitor.columns` in params.yaml), so thresholds mean the same thing for every column. Evidently
runs the tests and renders the reports; the text column uses `domain_classifier`, registered
here: Evidently's own domain classifier (TF-IDF + linear model, no download) trained on half of
the texts to tell reference from current, scored on the other half, its ROC AUC turned into a
p-value with a one-sided Mann-Whitney U test (exact for a scorer fixed before the scored half).
Categorical columns use `tvd_permutation`, a two-sample permutation test of the total variation
distance (Evidently's chi-square treats the reference as exact and fails on unseen categories).
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from trending_now.config import DriftTestParams, MonitorParams
from trending_now.monitor.profile import CATEGORICAL, NUMERICAL, TEXT

if TYPE_CHECKING:
    from evidently.core.report import Snapshot

log = logging.getLogger(__name__)

DOMAIN_CLASSIFIER = "domain_classifier"
TVD_PERMUTATION = "tvd_permutation"
DATA_TAG = "data-drift"
PREDICTION_TAG = "prediction-drift"
PREDICTION_COLUMN = "predicted_genre"


@dataclass(frozen=True)
class ColumnDrift:
    """One column's test: the p-value and whether it is below the threshold."""

    column: str
    method: str
    threshold: float
    p_value: float
    drifted: bool


@dataclass(frozen=True)
class DriftResult:
    """An Evidently snapshot and the per-column outcomes read back from it."""

    snapshot: Snapshot
    columns: list[ColumnDrift]

    @property
    def drifted_columns(self) -> list[str]:
        """Names of the drifted columns, in test order."""
        return [c.column for c in self.columns if c.drifted]

    @property
    def drift_share(self) -> float:
        """Share of the tested columns that drifted."""
        return len(self.drifted_columns) / len(self.columns) if self.columns else 0.0


def domain_classifier_p_value(reference: pd.Series, current: pd.Series) -> float:
    """p-value of "a classifier cannot tell current texts from reference texts" (see module)."""
    from evidently.legacy.utils.data_drift_utils import roc_auc_domain_classifier
    from scipy.stats import mannwhitneyu
    from sklearn.model_selection import train_test_split

    texts = pd.concat([reference, current], ignore_index=True).fillna("").astype(str)
    labels = np.r_[np.zeros(len(reference), dtype=int), np.ones(len(current), dtype=int)]
    if min(len(reference), len(current)) < 4:
        return 1.0  # too few texts for two halves holding both sides
    x_fit, x_score, y_fit, y_score = train_test_split(
        texts, labels, test_size=0.5, random_state=42, shuffle=True, stratify=labels
    )
    try:
        _, proba, _ = roc_auc_domain_classifier(x_fit, x_score, y_fit, y_score)
    except ValueError as exc:  # e.g. an empty vocabulary: nothing to tell the sides apart by
        log.warning("text drift test not possible (%s): no evidence of drift", exc)
        return 1.0
    y_score = np.asarray(y_score)
    result = mannwhitneyu(proba[y_score == 1], proba[y_score == 0], alternative="greater")
    return float(result.pvalue)


def tvd_permutation_p_value(
    reference: pd.Series, current: pd.Series, *, permutations: int = 2000, seed: int = 0
) -> float:
    """Two-sample permutation p-value of the total variation distance between category mixes.

    Unlike a chi-square goodness-of-fit test it accounts for the reference being a sample too,
    and a category seen on one side only is no special case.
    """
    ref, cur = reference.dropna().astype(str), current.dropna().astype(str)
    if ref.empty or cur.empty:
        return 1.0
    codes, uniques = pd.factorize(pd.concat([ref, cur], ignore_index=True))
    k, n_ref = len(uniques), len(ref)
    total = np.bincount(codes, minlength=k)
    observed = _tvd(np.bincount(codes[:n_ref], minlength=k)[np.newaxis, :], total, n_ref)[0]
    shuffled = np.random.default_rng(seed).permuted(np.tile(codes, (permutations, 1)), axis=1)
    counts = np.zeros((permutations, k))
    np.add.at(counts, (np.arange(permutations)[:, np.newaxis], shuffled[:, :n_ref]), 1)
    at_least = int((_tvd(counts, total, n_ref) >= observed - 1e-12).sum())
    return (1 + at_least) / (1 + permutations)


def _tvd(ref_counts: np.ndarray, total: np.ndarray, n_ref: int) -> np.ndarray:
    """TVD between the reference part (rows of counts) and the rest of the pooled counts."""
    n_cur = int(total.sum()) - n_ref
    cur_counts = total[np.newaxis, :] - ref_counts
    diff = np.abs(ref_counts / n_ref - cur_counts / n_cur).sum(axis=1)
    return np.asarray(0.5 * diff)


_CACHE: dict[tuple[str, str, str], float] = {}


def _fingerprint(values: pd.Series) -> str:
    hashed = pd.util.hash_pandas_object(values, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()


def _as_stattest(name: str, p_value: Callable[[pd.Series, pd.Series], float]) -> Any:
    """An Evidently stat-test function over `p_value`, memoised: Evidently evaluates each
    column three times per report (the value, the drifted count and the rendered table)."""

    def stattest(
        reference: pd.Series, current: pd.Series, feature_type: Any, threshold: float
    ) -> tuple[float, bool]:
        key = (name, _fingerprint(reference), _fingerprint(current))
        if key not in _CACHE:
            if len(_CACHE) > 64:
                _CACHE.clear()
            _CACHE[key] = p_value(reference, current)
        return _CACHE[key], _CACHE[key] < threshold

    return stattest


@functools.cache
def register_tests() -> None:
    """Make `domain_classifier` and `tvd_permutation` methods Evidently knows (once)."""
    from evidently.legacy.calculations.stattests.registry import StatTest, register_stattest
    from evidently.legacy.core import ColumnType

    for name, title, kind, p_value in (
        (
            DOMAIN_CLASSIFIER,
            "Domain classifier p_value",
            ColumnType.Text,
            domain_classifier_p_value,
        ),
        (
            TVD_PERMUTATION,
            "TVD permutation p_value",
            ColumnType.Categorical,
            tvd_permutation_p_value,
        ),
    ):
        test = StatTest(name=name, display_name=title, allowed_feature_types=[kind])
        register_stattest(test, _as_stattest(name, p_value))


def _dataset(frame: pd.DataFrame, columns: Sequence[str]) -> Any:
    from evidently import DataDefinition, Dataset

    definition = DataDefinition(
        numerical_columns=[c for c in columns if c in NUMERICAL],
        categorical_columns=[c for c in columns if c in CATEGORICAL or c == PREDICTION_COLUMN],
        text_columns=[c for c in columns if c in TEXT],
    )
    return Dataset.from_pandas(frame[columns], data_definition=definition)


def _value_drifts(snapshot: Snapshot) -> dict[str, float]:
    """Column -> ValueDrift p-value, read from the snapshot's JSON form."""
    out = {}
    for metric in snapshot.dict()["metrics"]:
        config = metric.get("config") or {}
        if str(config.get("type", "")).endswith(":ValueDrift"):
            out[str(config["column"])] = float(metric["value"])
    return out


def _outcomes(snapshot: Snapshot, tests: Mapping[str, DriftTestParams]) -> list[ColumnDrift]:
    values = _value_drifts(snapshot)
    return [
        ColumnDrift(
            column, test.method, test.threshold, values[column], values[column] < test.threshold
        )
        for column, test in tests.items()
    ]


def data_drift(
    reference: pd.DataFrame, current: pd.DataFrame, params: MonitorParams, *, when: datetime
) -> DriftResult:
    """Test every monitored column of `current` against `reference` (movie profiles)."""
    from evidently import Report
    from evidently.presets import DataDriftPreset

    register_tests()
    columns = list(params.columns)
    preset = DataDriftPreset(
        columns=columns,
        drift_share=params.drift_share,
        per_column_method={c: t.method for c, t in params.columns.items()},
        per_column_threshold={c: t.threshold for c, t in params.columns.items()},
    )
    snapshot = Report([preset]).run(
        _dataset(current, columns), _dataset(reference, columns), timestamp=when, tags=[DATA_TAG]
    )
    return DriftResult(
        snapshot, _outcomes(snapshot, {str(c): t for c, t in params.columns.items()})
    )


def prediction_drift(
    reference_mix: pd.DataFrame, current_mix: pd.DataFrame, params: MonitorParams, *, when: datetime
) -> DriftResult:
    """Test the model's predicted genre mix on current data against that on the training data."""
    from evidently import Report
    from evidently.metrics import ValueDrift

    register_tests()
    test = params.prediction
    metric = ValueDrift(column=PREDICTION_COLUMN, method=test.method, threshold=test.threshold)
    snapshot = Report([metric]).run(
        _dataset(current_mix, [PREDICTION_COLUMN]),
        _dataset(reference_mix, [PREDICTION_COLUMN]),
        timestamp=when,
        tags=[PREDICTION_TAG],
    )
    return DriftResult(snapshot, _outcomes(snapshot, {PREDICTION_COLUMN: test}))
