"""genre-xgb: one XGBoost booster per genre over TF-IDF, stacked and blended with linear scorers.

Each genre's booster sees its chi2 top-k TF-IDF columns plus, when `stack_linear_c > 0`, the
out-of-fold scores of a one-vs-rest logistic regression on TF-IDF for every genre (stacking: the
trees combine linear text evidence across genres, e.g. Animation with Family). When
`embedding_linear_c > 0` a second logistic regression reads MiniLM sentence embeddings of the
document (features/embeddings.py). The output is a weighted mean of the boosters and those
linear scorers.

Two ways to fit, by `selection_folds`:
- `>= 2` (the shipped setting): out-of-fold selection over train+valid (train/oof.py). The
  booster hyperparameters are searched on train -> valid as before; then every movie of
  train+valid is scored by members fitted without it, the blend weights and per-genre thresholds
  are chosen on those out-of-fold probabilities, and the members are refitted on train+valid.
  The thresholds travel with the model (`oof_thresholds`); its selection score is cross-fitted.
- `0`: fit on train only, blend weight `blend_linear_weight` fixed, thresholds tuned on valid by
  the train stage (the earlier behaviour; also how models saved before the blend load).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import joblib
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_selection import chi2
from sklearn.model_selection import KFold
from sklearn.pipeline import FeatureUnion
from xgboost import XGBClassifier

from trending_now.config import XgbParams
from trending_now.features.embeddings import DocumentEmbedder
from trending_now.train.base import (
    Documents,
    configured_from_meta,
    macro_f1_tuned,
    tune_thresholds,
    write_configured_meta,
)
from trending_now.train.oof import (
    blend,
    choose_weights,
    cross_fitted_macro_f1,
    stratified_folds,
)
from trending_now.train.stacking import (
    Scorer,
    make_embedding_linear,
    make_linear,
    out_of_fold_scores,
    scores,
)
from trending_now.train.tfidf import make_vectorizer

log = logging.getLogger(__name__)

BOOSTERS, LINEAR, EMBEDDING = "boosters", "linear", "embedding"
_VECTORIZER_FILE = "vectorizer.joblib"
_LINEAR_FILE = "stacked_linear.joblib"
_EMBEDDING_FILE = "embedding_linear.joblib"
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

    def rows(self, index: np.ndarray) -> BoosterInput:
        """The inputs of some rows only."""
        return BoosterInput(self.tfidf[index], self.stacked[index])


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
    chi, _ = chi2(x, y)
    chi = np.nan_to_num(chi, nan=0.0)
    order = np.argsort(-chi, kind="stable")[: min(k, x.shape[1])]
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


def search_boosters(
    train: tuple[BoosterInput, np.ndarray],
    valid: tuple[BoosterInput, np.ndarray],
    params: XgbParams,
    *,
    seed: int,
    threshold_grid: Sequence[float],
    linear_valid: np.ndarray | None = None,
) -> tuple[list[GenreBooster], XgbParams, SearchReport]:
    """Random search scored by validation macro-F1 at tuned thresholds; the best boosters.

    A candidate is scored as `(1 - blend_linear_weight) * boosters + blend_linear_weight *
    linear_valid` when the TF-IDF linear scores of the validation rows are given.
    """
    report = SearchReport()
    best: tuple[float, list[GenreBooster], XgbParams] | None = None
    started = time.monotonic()
    candidates = sample_candidates(params, iterations=params.search.iterations, seed=seed)
    weight = params.blend_linear_weight if linear_valid is not None else 0.0
    for index, candidate in enumerate(candidates):
        if index > 0 and time.monotonic() - started > params.search.time_budget_s:
            report.cut_by_budget = True
            log.warning("xgb search stopped by its time budget after %d candidates", index)
            break
        tic = time.monotonic()
        boosters = fit_boosters(train[0], train[1], candidate, seed=seed)
        proba = predict_boosters(boosters, valid[0])
        if linear_valid is not None and weight > 0:
            proba = (1.0 - weight) * proba + weight * linear_valid
        score = macro_f1_tuned(valid[1], proba, threshold_grid)
        trial = {name: getattr(candidate, name) for name in _SEARCHED}
        report.trials.append({**trial, "valid_macro_f1": score, "seconds": time.monotonic() - tic})
        log.info("xgb candidate %d: valid macro-F1 %.4f %s", index, score, trial)
        if best is None or score > best[0]:
            best, report.best_index = (score, boosters, candidate), index
    assert best is not None
    return best[1], best[2], report


def _kfold(n_rows: int, *, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Plain shuffled K-fold rows (the stacking folds of train-only fitting)."""
    splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros((n_rows, 1))))


class XgbGenreClassifier:
    """TF-IDF boosters per genre, stacked with and blended with linear scorers (see module doc)."""

    name = "genre-xgb"

    def __init__(
        self,
        genres: list[str],
        params: XgbParams,
        *,
        seed: int,
        threshold_grid: Sequence[float] = (0.5,),
        embedding_cache: Path | None = None,
    ) -> None:
        self.genres = list(genres)
        self.params = params
        self.seed = seed
        self.threshold_grid = list(threshold_grid)
        self.embedding_cache = embedding_cache
        self._embedder: DocumentEmbedder | None = None  # made on first use (after load_model)
        self.vectorizer: FeatureUnion = make_vectorizer(params.tfidf)
        self.linear: Scorer | None = None
        self.embedding_linear: Scorer | None = None
        self.boosters: list[GenreBooster] = []
        self.search_report = SearchReport()
        self.blend_weights: dict[str, float] = self._fixed_weights()
        # Set by out-of-fold selection (selection_folds >= 2); the train stage then uses them.
        self.oof_thresholds: np.ndarray | None = None
        self.oof_macro_f1: float | None = None
        self.selection: dict[str, Any] = {}

    # -- fitting ---------------------------------------------------------------------------

    def fit(
        self, train: Documents, y_train: np.ndarray, valid: Documents, y_valid: np.ndarray
    ) -> Self:
        """Fit (see the module docstring); valid is used for selection, never test."""
        if self.params.selection_folds >= 2:
            return self._fit_out_of_fold(train, np.asarray(y_train), valid, np.asarray(y_valid))
        return self._fit_on_train(train, np.asarray(y_train), valid, np.asarray(y_valid))

    def _fit_on_train(
        self, train: Documents, y_train: np.ndarray, valid: Documents, y_valid: np.ndarray
    ) -> Self:
        """The TF-IDF linear model on train (stacked out of fold within train), boosters searched
        on valid; the embedding scorer is not used (it joins only through out-of-fold blending)."""
        tfidf = self.vectorizer.fit_transform(train["text"])
        folds = _kfold(len(train), folds=self.params.stack_folds, seed=self.seed)
        member_oof = self._fit_scorers(tfidf, None, y_train, folds)
        x_train = BoosterInput(tfidf, self._stack(member_oof, len(train)))
        tfidf_valid = self.vectorizer.transform(valid["text"])
        valid_scores = self._scorer_scores(tfidf_valid, valid)
        x_valid = BoosterInput(tfidf_valid, self._stack(valid_scores, len(valid)))
        self.boosters, self.params, self.search_report = search_boosters(
            (x_train, y_train),
            (x_valid, y_valid),
            self.params,
            seed=self.seed,
            threshold_grid=self.threshold_grid,
            linear_valid=valid_scores.get(LINEAR),
        )
        self.blend_weights = self._fixed_weights()
        return self

    def _fit_out_of_fold(
        self, train: Documents, y_train: np.ndarray, valid: Documents, y_valid: np.ndarray
    ) -> Self:
        """Search on train -> valid, choose blend and thresholds out of fold, refit on both."""
        started = time.monotonic()
        pool = pd.concat([train, valid], ignore_index=True)
        y = np.vstack([y_train, y_valid]).astype(int)
        in_train = np.arange(len(pool)) < len(train)
        # The vocabulary and IDF see the train+valid texts (no labels): every fold shares them.
        tfidf = self.vectorizer.fit_transform(pool["text"])
        embedded = self._embed(pool)
        folds = stratified_folds(y, folds=self.params.selection_folds, seed=self.seed)
        member_oof = self._fit_scorers(tfidf, embedded, y, folds)
        x = BoosterInput(tfidf, self._stack(member_oof, len(pool)))
        chosen = self._search(x, y, in_train, member_oof.get(LINEAR))
        boosted = np.zeros(y.shape)
        for fit_rows, held_rows in folds:
            fold_boosters = fit_boosters(x.rows(fit_rows), y[fit_rows], chosen, seed=self.seed)
            boosted[held_rows] = predict_boosters(fold_boosters, x.rows(held_rows))
        members = {BOOSTERS: boosted, **member_oof}
        self.blend_weights, tuned = choose_weights(
            members, y, self.threshold_grid, step=self.params.blend_step
        )
        blended = blend(members, self.blend_weights)
        self.oof_thresholds = tune_thresholds(y, blended, self.threshold_grid)
        self.oof_macro_f1 = cross_fitted_macro_f1(
            y, blended, self.threshold_grid, folds=self.params.selection_folds, seed=self.seed + 1
        )
        self.selection = self._selection_report(members, y, tuned)
        self.boosters = fit_boosters(x, y, chosen, seed=self.seed)
        self.params = chosen
        log.info(
            "genre-xgb: blend %s, out-of-fold macro-F1 %.4f (thresholds tuned on the same rows "
            "%.4f) in %.0f s",
            self.blend_weights,
            self.oof_macro_f1,
            tuned,
            time.monotonic() - started,
        )
        return self

    def _search(
        self, x: BoosterInput, y: np.ndarray, in_train: np.ndarray, linear: np.ndarray | None
    ) -> XgbParams:
        """The booster hyperparameters: searched on train -> valid (one candidate: no fit)."""
        if self.params.search.iterations <= 1:
            self.search_report = SearchReport(
                trials=[{name: getattr(self.params, name) for name in _SEARCHED}]
            )
            return self.params
        train_rows, valid_rows = np.flatnonzero(in_train), np.flatnonzero(~in_train)
        _, chosen, self.search_report = search_boosters(
            (x.rows(train_rows), y[train_rows]),
            (x.rows(valid_rows), y[valid_rows]),
            self.params,
            seed=self.seed,
            threshold_grid=self.threshold_grid,
            linear_valid=None if linear is None else linear[valid_rows],
        )
        return chosen

    def _fit_scorers(
        self,
        tfidf: csr_matrix,
        embedded: np.ndarray | None,
        y: np.ndarray,
        folds: Sequence[tuple[np.ndarray, np.ndarray]],
    ) -> dict[str, np.ndarray]:
        """Out-of-fold scores of the linear scorers; each then refitted on every row."""
        member_oof: dict[str, np.ndarray] = {}
        c, seed = self.params.stack_linear_c, self.seed
        self.linear = None
        if c > 0:
            member_oof[LINEAR] = out_of_fold_scores(
                lambda: make_linear(c, seed=seed), tfidf, y, folds
            )
            self.linear = make_linear(c, seed=seed).fit(tfidf, y)
        e_c = self.params.embedding_linear_c
        self.embedding_linear = None
        if embedded is not None:
            member_oof[EMBEDDING] = out_of_fold_scores(
                lambda: make_embedding_linear(e_c, seed=seed), embedded, y, folds
            )
            self.embedding_linear = make_embedding_linear(e_c, seed=seed).fit(embedded, y)
        return member_oof

    def _selection_report(
        self, members: Mapping[str, np.ndarray], y: np.ndarray, tuned: float
    ) -> dict[str, Any]:
        """Out-of-fold scores of each member and of the chosen blend, for meta.json and docs."""
        grid, k, seed = self.threshold_grid, self.params.selection_folds, self.seed + 1
        return {
            "folds": k,
            "rows": len(y),
            "weights": dict(self.blend_weights),
            "blend_macro_f1_cross_fitted": self.oof_macro_f1,
            "blend_macro_f1_tuned_on_same_rows": tuned,
            "members_macro_f1_cross_fitted": {
                name: cross_fitted_macro_f1(y, proba, grid, folds=k, seed=seed)
                for name, proba in members.items()
            },
        }

    # -- inputs ----------------------------------------------------------------------------

    def _fixed_weights(self) -> dict[str, float]:
        """Blend weights of train-only fitting: boosters and the TF-IDF linear model."""
        if self.params.stack_linear_c <= 0 or self.params.blend_linear_weight == 0:
            return {BOOSTERS: 1.0}
        w = self.params.blend_linear_weight
        return {BOOSTERS: 1.0 - w, LINEAR: w}

    def _embed(self, docs: Documents) -> np.ndarray | None:
        """MiniLM document vectors when the embedding scorer is on, else None."""
        if self.params.embedding_linear_c <= 0:
            return None
        if self._embedder is None:  # one per model: MiniLM loads once, however many predicts
            self._embedder = DocumentEmbedder(
                self.params.embeddings, cache_dir=self.embedding_cache
            )
        return self._embedder.embed([str(t) for t in docs["text"]])

    def _stack(self, member_scores: Mapping[str, np.ndarray], n_rows: int) -> np.ndarray:
        """The stacked booster inputs: the TF-IDF linear scores of every genre (or no columns)."""
        if LINEAR in member_scores:
            return np.asarray(member_scores[LINEAR], dtype=float)
        return np.zeros((n_rows, 0))

    def _scorer_scores(self, tfidf: csr_matrix, docs: Documents) -> dict[str, np.ndarray]:
        """The fitted linear scorers' probabilities for some documents."""
        out: dict[str, np.ndarray] = {}
        if self.linear is not None:
            out[LINEAR] = scores(self.linear, tfidf)
        if self.embedding_linear is not None:
            out[EMBEDDING] = scores(self.embedding_linear, self._embed(docs))
        return out

    def booster_inputs(self, docs: Documents) -> BoosterInput:
        """Booster inputs for documents the model was not fitted on."""
        tfidf = self.vectorizer.transform(docs["text"])
        linear = scores(self.linear, tfidf) if self.linear is not None else None
        return BoosterInput(
            tfidf, self._stack({} if linear is None else {LINEAR: linear}, len(docs))
        )

    def member_proba(self, docs: Documents) -> dict[str, np.ndarray]:
        """Each blend member's probabilities for `docs` (boosters, linear, embedding)."""
        tfidf = self.vectorizer.transform(docs["text"])
        member_scores = self._scorer_scores(tfidf, docs)
        x = BoosterInput(tfidf, self._stack(member_scores, len(docs)))
        return {BOOSTERS: predict_boosters(self.boosters, x), **member_scores}

    def predict_proba(self, docs: Documents) -> np.ndarray:
        """Per-genre probabilities: the blend of boosters and linear scorers."""
        members = self.member_proba(docs)
        weights = {k: w for k, w in self.blend_weights.items() if w > 0}
        return blend(members, weights)

    # -- persistence -----------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the vectoriser and scorers (joblib), one .ubj per booster and meta.json."""
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.vectorizer, path / _VECTORIZER_FILE)
        joblib.dump(self.linear, path / _LINEAR_FILE)
        if self.embedding_linear is not None:
            joblib.dump(self.embedding_linear, path / _EMBEDDING_FILE)
        constants: dict[str, float] = {}
        for j, booster in enumerate(self.boosters):
            np.save(path / f"columns_{j:02d}.npy", booster.columns)
            if booster.model is None:
                constants[str(j)] = booster.constant
            else:
                booster.model.save_model(path / f"booster_{j:02d}.ubj")
        write_configured_meta(
            path,
            self,
            constant_genres=constants,
            search=self.search_report.__dict__,
            blend_weights=self.blend_weights,
            selection=self.selection,
        )

    @classmethod
    def load(cls, path: Path) -> Self:
        """The model saved at `path` (a trusted, local directory)."""
        model, meta = configured_from_meta(cls, XgbParams, path)
        model.vectorizer = joblib.load(path / _VECTORIZER_FILE)
        model.linear = joblib.load(path / _LINEAR_FILE)
        if (path / _EMBEDDING_FILE).exists():
            model.embedding_linear = joblib.load(path / _EMBEDDING_FILE)
        model.boosters = [
            _load_booster(path, j, meta["constant_genres"]) for j in range(len(model.genres))
        ]
        # Models saved before out-of-fold blending carry no weights: their fixed blend applies.
        model.blend_weights = dict(meta.get("blend_weights") or model._fixed_weights())
        model.selection = dict(meta.get("selection") or {})
        return model


def _load_booster(path: Path, index: int, constants: dict[str, float]) -> GenreBooster:
    """Booster `index` of a saved model, or its constant probability."""
    columns = np.load(path / f"columns_{index:02d}.npy")
    if str(index) in constants:
        return GenreBooster(columns=columns, constant=float(constants[str(index)]))
    model = XGBClassifier()
    model.load_model(path / f"booster_{index:02d}.ubj")
    return GenreBooster(columns=columns, model=model)
