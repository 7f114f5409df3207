"""TF-IDF + XGBoost, one booster per genre, hyperparameters searched on validation macro-F1.

Each genre's booster sees its chi2 top-k TF-IDF columns plus, when `stack_linear_c > 0`, the
out-of-fold scores of a one-vs-rest logistic regression for every genre (stacking: the trees
combine linear text evidence across genres, e.g. Animation with Family). The output is then
blended with that linear model's own scores (`blend_linear_weight`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import joblib
import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_selection import chi2
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion
from xgboost import XGBClassifier

from trending_now.config import XgbParams
from trending_now.train.base import Documents, macro_f1_tuned, read_meta, write_meta
from trending_now.train.tfidf import make_vectorizer

log = logging.getLogger(__name__)

_VECTORIZER_FILE = "vectorizer.joblib"
_LINEAR_FILE = "stacked_linear.joblib"
_SEARCHED = (
    "max_depth",
    "learning_rate",
    "n_estimators",
    "min_child_weight",
    "subsample",
    "colsample_bytree",
    "reg_lambda",
    "features_per_genre",
)


@dataclass(frozen=True)
class BoosterInput:
    """What the boosters see: the TF-IDF matrix and the stacked linear scores (maybe no columns)."""

    tfidf: csr_matrix
    stacked: np.ndarray

    def select(self, columns: np.ndarray) -> csr_matrix:
        """The chosen TF-IDF columns followed by every stacked score column."""
        return hstack([self.tfidf[:, columns], csr_matrix(self.stacked)], format="csr")


@dataclass(frozen=True)
class GenreBooster:
    """A genre booster over its chi2-selected columns, or a constant if train had one class."""

    columns: np.ndarray
    model: XGBClassifier | None = None
    constant: float = 0.0

    def predict(self, x: BoosterInput) -> np.ndarray:
        """Probability of the genre for each row."""
        if self.model is None:
            return np.full(x.tfidf.shape[0], self.constant)
        proba: np.ndarray = self.model.predict_proba(x.select(self.columns))[:, 1]
        return proba


def make_linear(c: float, *, seed: int) -> OneVsRestClassifier:
    """The one-vs-rest logistic regression whose scores are stacked into the boosters."""
    return OneVsRestClassifier(
        LogisticRegression(C=c, class_weight="balanced", solver="liblinear", random_state=seed)
    )


def out_of_fold_scores(
    x: csr_matrix, y: np.ndarray, *, c: float, folds: int, seed: int
) -> np.ndarray:
    """Linear scores for each training row from a model that did not see that row."""
    scores = np.zeros(y.shape, dtype=float)
    splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    for fit_rows, score_rows in splitter.split(x):
        linear = make_linear(c, seed=seed).fit(x[fit_rows], y[fit_rows])
        scores[score_rows] = linear.predict_proba(x[score_rows])
    return scores


@dataclass
class SearchReport:
    """The random search: every trial's hyperparameters, score and time; whether time ran out."""

    trials: list[dict[str, Any]] = field(default_factory=list)
    best_index: int = 0
    cut_by_budget: bool = False


def sample_candidates(params: XgbParams, *, iterations: int, seed: int) -> list[XgbParams]:
    """The default first, then distinct random draws from the search space (seeded)."""
    rng = np.random.default_rng(seed)
    space = params.search.model_dump()
    candidates = [params]
    seen = {_key(params)}
    for _ in range(iterations * 20):
        if len(candidates) >= iterations:
            break
        draw = {name: space[name][rng.integers(len(space[name]))] for name in _SEARCHED}
        candidate = params.model_copy(update=draw)
        if _key(candidate) not in seen:
            seen.add(_key(candidate))
            candidates.append(candidate)
    return candidates


def _key(params: XgbParams) -> tuple[Any, ...]:
    """The searched hyperparameters of a candidate, hashable."""
    return tuple(getattr(params, name) for name in _SEARCHED)


def fit_boosters(
    x: BoosterInput, y: np.ndarray, params: XgbParams, *, seed: int
) -> list[GenreBooster]:
    """One booster per genre on its top chi2 columns, positives up-weighted; seeded."""
    return [_fit_genre(x, y[:, j], params, seed=seed) for j in range(y.shape[1])]


def _fit_genre(x: BoosterInput, y: np.ndarray, params: XgbParams, *, seed: int) -> GenreBooster:
    """The booster of one genre; (neg/pos)**pos_weight_power is its scale_pos_weight."""
    positives = int(y.sum())
    if positives in (0, len(y)):
        return GenreBooster(columns=np.zeros(0, dtype=np.int64), constant=float(positives > 0))
    columns = select_columns(x.tfidf, y, k=params.features_per_genre)
    weight = ((len(y) - positives) / positives) ** params.pos_weight_power
    model = _make_booster(params, seed=seed, scale_pos_weight=weight).fit(x.select(columns), y)
    return GenreBooster(columns=columns, model=model)


def select_columns(x: csr_matrix, y: np.ndarray, *, k: int) -> np.ndarray:
    """Indices of the `k` columns with the highest chi2 score against `y` (ties: lower index)."""
    scores, _ = chi2(x, y)
    scores = np.nan_to_num(scores, nan=0.0)
    order = np.argsort(-scores, kind="stable")[: min(k, x.shape[1])]
    return np.sort(order).astype(np.int64)


def _make_booster(params: XgbParams, *, seed: int, scale_pos_weight: float) -> XGBClassifier:
    """An unfitted binary booster with the candidate's hyperparameters."""
    return XGBClassifier(
        n_estimators=params.n_estimators,
        max_depth=params.max_depth,
        learning_rate=params.learning_rate,
        min_child_weight=params.min_child_weight,
        subsample=params.subsample,
        colsample_bytree=params.colsample_bytree,
        reg_lambda=params.reg_lambda,
        max_bin=params.max_bin,
        scale_pos_weight=scale_pos_weight,
        tree_method="hist",
        objective="binary:logistic",
        n_jobs=params.n_jobs,
        random_state=seed,
    )


def predict_boosters(boosters: Sequence[GenreBooster], x: BoosterInput) -> np.ndarray:
    """(n_docs, n_genres) probabilities from the per-genre boosters."""
    columns = [booster.predict(x) for booster in boosters]
    proba: np.ndarray = np.clip(np.column_stack(columns).astype(float), 0.0, 1.0)
    return proba


def blend(boosted: np.ndarray, x: BoosterInput, *, weight: float) -> np.ndarray:
    """Booster probabilities mixed with the stacked linear scores (unchanged without stacking)."""
    if x.stacked.shape[1] == 0 or weight == 0:
        return boosted
    mixed: np.ndarray = (1.0 - weight) * boosted + weight * x.stacked
    return mixed


def search_boosters(
    train: tuple[BoosterInput, np.ndarray],
    valid: tuple[BoosterInput, np.ndarray],
    params: XgbParams,
    *,
    seed: int,
    threshold_grid: Sequence[float],
) -> tuple[list[GenreBooster], XgbParams, SearchReport]:
    """Random search scored by validation macro-F1 at tuned thresholds; the best boosters."""
    report = SearchReport()
    best: tuple[float, list[GenreBooster], XgbParams] | None = None
    started = time.monotonic()
    candidates = sample_candidates(params, iterations=params.search.iterations, seed=seed)
    for index, candidate in enumerate(candidates):
        if index > 0 and time.monotonic() - started > params.search.time_budget_s:
            report.cut_by_budget = True
            log.warning("xgb search stopped by its time budget after %d candidates", index)
            break
        tic = time.monotonic()
        boosters = fit_boosters(train[0], train[1], candidate, seed=seed)
        proba = blend(
            predict_boosters(boosters, valid[0]), valid[0], weight=params.blend_linear_weight
        )
        score = macro_f1_tuned(valid[1], proba, threshold_grid)
        trial = {name: getattr(candidate, name) for name in _SEARCHED}
        report.trials.append({**trial, "valid_macro_f1": score, "seconds": time.monotonic() - tic})
        log.info("xgb candidate %d: valid macro-F1 %.4f %s", index, score, trial)
        if best is None or score > best[0]:
            best, report.best_index = (score, boosters, candidate), index
    assert best is not None
    return best[1], best[2], report


class XgbGenreClassifier:
    """TF-IDF (word + char n-grams) and one XGBoost booster per genre."""

    name = "genre-xgb"

    def __init__(
        self,
        genres: list[str],
        params: XgbParams,
        *,
        seed: int,
        threshold_grid: Sequence[float] = (0.5,),
    ) -> None:
        self.genres = list(genres)
        self.params = params
        self.seed = seed
        self.threshold_grid = list(threshold_grid)
        self.vectorizer: FeatureUnion = make_vectorizer(params.tfidf)
        self.linear: OneVsRestClassifier | None = None
        self.boosters: list[GenreBooster] = []
        self.search_report = SearchReport()

    def fit(
        self, train: Documents, y_train: np.ndarray, valid: Documents, y_valid: np.ndarray
    ) -> Self:
        """Fit TF-IDF (and the stacked linear model) on train, search boosters on valid."""
        y_train = np.asarray(y_train)
        tfidf_train = self.vectorizer.fit_transform(train["text"])
        x_train = BoosterInput(tfidf_train, self._fit_stack(tfidf_train, y_train))
        x_valid = self._inputs(valid)
        self.boosters, self.params, self.search_report = search_boosters(
            (x_train, y_train),
            (x_valid, np.asarray(y_valid)),
            self.params,
            seed=self.seed,
            threshold_grid=self.threshold_grid,
        )
        return self

    def _fit_stack(self, x: csr_matrix, y: np.ndarray) -> np.ndarray:
        """Out-of-fold linear scores for train; the linear model refit on all of train."""
        c = self.params.stack_linear_c
        if c <= 0:
            self.linear = None
            return np.zeros((x.shape[0], 0))
        self.linear = make_linear(c, seed=self.seed).fit(x, y)
        return out_of_fold_scores(x, y, c=c, folds=self.params.stack_folds, seed=self.seed)

    def _inputs(self, docs: Documents) -> BoosterInput:
        """Booster inputs for documents the model was not fitted on."""
        tfidf = self.vectorizer.transform(docs["text"])
        stacked = (
            self.linear.predict_proba(tfidf)
            if self.linear is not None
            else np.zeros((tfidf.shape[0], 0))
        )
        return BoosterInput(tfidf, np.asarray(stacked, dtype=float))

    def predict_proba(self, docs: Documents) -> np.ndarray:
        """Per-genre probabilities: boosters, blended with the stacked linear model if any."""
        inputs = self._inputs(docs)
        boosted = predict_boosters(self.boosters, inputs)
        return blend(boosted, inputs, weight=self.params.blend_linear_weight)

    def save(self, path: Path) -> None:
        """Write the vectoriser (joblib), one .ubj per booster and meta.json."""
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.vectorizer, path / _VECTORIZER_FILE)
        joblib.dump(self.linear, path / _LINEAR_FILE)
        constants: dict[str, float] = {}
        for j, booster in enumerate(self.boosters):
            np.save(path / f"columns_{j:02d}.npy", booster.columns)
            if booster.model is None:
                constants[str(j)] = booster.constant
            else:
                booster.model.save_model(path / f"booster_{j:02d}.ubj")
        write_meta(
            path,
            name=self.name,
            genres=self.genres,
            params=self.params.model_dump(),
            seed=self.seed,
            constant_genres=constants,
            search=self.search_report.__dict__,
        )

    @classmethod
    def load(cls, path: Path) -> Self:
        """The model saved at `path` (a trusted, local directory)."""
        meta = read_meta(path)
        model = cls(meta["genres"], XgbParams.model_validate(meta["params"]), seed=meta["seed"])
        model.vectorizer = joblib.load(path / _VECTORIZER_FILE)
        model.linear = joblib.load(path / _LINEAR_FILE)
        model.boosters = [
            _load_booster(path, j, meta["constant_genres"]) for j in range(len(model.genres))
        ]
        return model


def _load_booster(path: Path, index: int, constants: dict[str, float]) -> GenreBooster:
    """Booster `index` of a saved model, or its constant probability."""
    columns = np.load(path / f"columns_{index:02d}.npy")
    if str(index) in constants:
        return GenreBooster(columns=columns, constant=float(constants[str(index)]))
    model = XGBClassifier()
    model.load_model(path / f"booster_{index:02d}.ubj")
    return GenreBooster(columns=columns, model=model)
